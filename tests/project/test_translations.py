"""Every user-facing string has a translation in each language, and the catalogues are current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

from apps.bookings.services import _ALLOWANCE_USED

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ["zh_Hans", "ug"]


def catalogue(language: str, root: Path = ROOT) -> polib.POFile:
    return polib.pofile(str(root / "locale" / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    po = catalogue(language)
    untranslated = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    for entry in catalogue(language):
        # A plural entry keeps its sentence in each of its forms.
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for placeholder in ("%(prisoner)s", "%(name)s", "%(limit)d", "%(days)d", "%(until)s"):
            if placeholder in entry.msgid:
                for text in texts:
                    assert placeholder in text, entry.msgid


def test_the_catalogues_hold_every_string_in_the_code(tmp_path):
    """Regenerate the catalogues from a copy of the code and compare the sets of strings."""
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(".venv", ".git", "data", "node_modules", "__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "ug",
            "--ignore",
            "tests/*",
            "--ignore",
            "bench/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in catalogue("ug", copy) if not e.obsolete}
    committed = {e.msgid for e in catalogue("ug") if not e.obsolete}
    assert fresh - committed == set(), "run makemessages and translate the new strings"


def test_a_refusal_reads_in_the_family_language():
    with translation.override("ug"):
        text = str(_ALLOWANCE_USED[("video", "month")] % {"prisoner": "X", "limit": 2})
    assert "سىنلىق" in text
    with translation.override("zh-hans"):
        assert "视频会见" in str(
            _ALLOWANCE_USED[("video", "month")] % {"prisoner": "X", "limit": 2}
        )
