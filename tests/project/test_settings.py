"""Settings come from the environment, strictly; production refuses demo secrets and DEBUG."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lib.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = secrets.token_urlsafe(60)
PRODUCTION = {
    "VISITLINE_ENV": "production",
    "SECRET_KEY": GOOD_SECRET,
    "ALLOWED_HOSTS": "visits.example",
    "DATABASE_URL": "postgres://visitline@db.example:5432/visitline",
    "IDENTITY_KEY": secrets.token_urlsafe(40),
}


def run_django(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "SECRET_KEY",
            "DEBUG",
            "VISITLINE_ENV",
            "DATABASE_URL",
            "ALLOWED_HOSTS",
            "IDENTITY_KEY",
        }
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def test_production_refuses_the_demo_secret():
    result = run_django("check", **(PRODUCTION | {"SECRET_KEY": ""}))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = run_django("check", **(PRODUCTION | {"DEBUG": "true"}))
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


@pytest.mark.parametrize("missing", ["DATABASE_URL", "ALLOWED_HOSTS", "IDENTITY_KEY"])
def test_production_never_falls_back_to_demo_values(missing):
    environment = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = run_django("check", **environment)
    assert result.returncode != 0
    assert missing in result.stderr


def test_deploy_checks_are_clean_in_production():
    result = run_django("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_bad_setting_stops_the_start():
    result = run_django("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_env_helpers_are_strict(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example,")
    assert env_bool("X_BOOL") is True
    assert env_int("X_INT", 0) == 12
    assert env_list("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured):
        env_str("X_SECRET")
