"""A facility's time zone changes through one service that never moves a family's visit."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from apps.audit.models import AuditEvent
from apps.facilities.models import Facility, Slot
from apps.facilities.services import facility_time_zone_set
from tests import factories
from tests.clock import at


def test_future_times_keep_their_local_hours_and_dates(world):
    slot = factories.slot(world.facility, days_ahead=3, start=dt.time(9, 0))  # 13 June
    facility = facility_time_zone_set(
        actor=world.administrator, facility=world.facility, time_zone="Asia/Urumqi"
    )
    slot.refresh_from_db()
    assert facility.time_zone == "Asia/Urumqi"
    assert slot.date == dt.date(2026, 6, 13)
    assert slot.starts_at == at("2026-06-13 09:00", "Asia/Urumqi")
    event = AuditEvent.objects.get(action="facility.time_zone")
    assert (event.data["before"], event.data["after"]) == ("Asia/Shanghai", "Asia/Urumqi")


def test_a_change_is_refused_while_a_family_holds_a_time(world):
    slot = factories.slot(world.facility, days_ahead=3)
    factories.family_booking(world.family, world.prisoner, slot)
    with pytest.raises(ValidationError) as info:
        facility_time_zone_set(
            actor=world.administrator, facility=world.facility, time_zone="Asia/Urumqi"
        )
    assert info.value.code == "zone_has_bookings"
    assert Facility.objects.get(pk=world.facility.pk).time_zone == "Asia/Shanghai"
    assert Slot.objects.get(pk=slot.pk).starts_at == at("2026-06-13 09:00")
    with pytest.raises(CommandError, match="seats taken"):
        call_command("facility_time_zone", world.facility.code, "Asia/Urumqi")


def test_only_an_administrator_of_the_facility_may_change_it(world):
    for person in (world.supervisor, world.other_officer):
        with pytest.raises(PermissionDenied):
            facility_time_zone_set(actor=person, facility=world.facility, time_zone="Asia/Urumqi")
    with pytest.raises(ValidationError):
        facility_time_zone_set(
            actor=world.administrator, facility=world.facility, time_zone="Mars/Olympus"
        )
    assert Facility.objects.get(pk=world.facility.pk).time_zone == "Asia/Shanghai"


def test_the_admin_shows_the_zone_but_does_not_change_it(console_as, world):
    from apps.accounts.models import StaffRole, User

    root = User.objects.create_superuser("root", "root@example.org", "correct horse battery")
    StaffRole.objects.create(user=root, facility=world.facility, role=StaffRole.Role.ADMINISTRATOR)
    page = console_as(root).get(f"/admin/facilities/facility/{world.facility.pk}/change/")
    assert page.status_code == 200
    assert 'name="time_zone"' not in page.text and "Asia/Shanghai" in page.text
