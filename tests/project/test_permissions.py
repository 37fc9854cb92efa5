"""One table says who may do what; every check reads it."""

import pathlib
import re

import pytest
from django.core.exceptions import PermissionDenied

from apps.accounts.permissions import ACTIONS, require_staff

pytestmark = pytest.mark.django_db

APPS = pathlib.Path(__file__).resolve().parents[2] / "apps"


def test_a_role_is_allowed_what_the_table_gives_it_and_nothing_more(world):
    assert require_staff(world.supervisor, world.facility.pk, "schedules_edit").role == "supervisor"
    with pytest.raises(PermissionDenied):
        require_staff(world.officer, world.facility.pk, "schedules_edit")
    with pytest.raises(PermissionDenied):
        require_staff(world.supervisor, world.facility.pk, "roster_import")
    assert require_staff(world.administrator, world.facility.pk, "roster_import")


def test_staff_of_another_prison_and_families_are_refused_everything(world):
    for action in ACTIONS:
        for someone in (world.other_officer, world.family.user):
            with pytest.raises(PermissionDenied):
                require_staff(someone, world.facility.pk, action)


def test_an_action_not_in_the_table_is_a_mistake_in_the_code_not_a_refusal(world):
    with pytest.raises(KeyError):
        require_staff(world.administrator, world.facility.pk, "schedule_edit")


def test_no_other_module_keeps_its_own_list_of_roles():
    """A second list would drift from the table; seeding data and the table itself may name roles."""
    pattern = re.compile(r"Role\.(SUPERVISOR|ADMINISTRATOR)")
    offenders = [
        str(path.relative_to(APPS))
        for path in APPS.rglob("*.py")
        if "migrations" not in path.parts
        and path.name != "permissions.py"
        and "demo" not in path.parts
        and "management" not in path.parts
        and pattern.search(path.read_text())
    ]
    assert offenders == []
