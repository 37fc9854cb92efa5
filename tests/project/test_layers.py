"""The house rules of the code that a newcomer relies on: reads never write, one pair of
functions moves a slot's seat count, and every booking rule is in the one decision."""

import ast
import inspect
import pathlib

import pytest

from apps.bookings import rules
from apps.calls.models import Call
from apps.calls.selectors import family_video_booking, terminal_bookings_today, video_booking
from apps.calls.services import calls_open
from tests.calls_support import video_booking as make_video_booking

ROOT = pathlib.Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "save", "update", "delete"}


def selector_modules() -> list[pathlib.Path]:
    return sorted(
        path
        for path in APPS.rglob("*.py")
        if "selectors" in path.parts or path.name == "selectors.py"
    )


def test_selectors_call_no_write_and_import_no_service():
    offenders = []
    for path in selector_modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            function = node.func if isinstance(node, ast.Call) else None
            if isinstance(function, ast.Attribute) and function.attr in WRITES:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} .{function.attr}()")
            if isinstance(node, ast.ImportFrom) and ".services" in f".{node.module or ''}":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}")
    assert selector_modules(), "no selectors found: the test looks in the wrong place"
    assert offenders == []


def test_only_the_seat_pair_moves_a_slots_seat_count():
    seats = APPS / "bookings" / "services" / "seats.py"
    statements = APPS / "bookings" / "services" / "sql.py"
    writers = [
        str(path.relative_to(ROOT))
        for path in APPS.rglob("*.py")
        if path not in (seats, statements)
        and "migrations" not in path.parts
        and any(
            mark in path.read_text()
            for mark in ('booked_count=F("booked_count")', "booked_count + 1", "TAKE_SEAT")
        )
    ]
    assert writers == []


def test_every_rule_of_the_rules_module_is_in_the_one_decision():
    checks = {
        name
        for name, function in inspect.getmembers(rules, inspect.isfunction)
        if name.startswith("check_") and function.__module__ == rules.__name__
    }
    assert checks == {rule.__name__ for rule in rules.RULES}
    assert len(rules.RULES) == len(set(rules.RULES))


@pytest.mark.django_db
def test_reading_video_visits_makes_no_call_and_opening_them_does(world):
    booking = make_video_booking(
        facility=world.facility, prisoner=world.prisoner, visitor=world.family
    )
    terminal = booking.slot.terminal
    assert family_video_booking(world.family.user, booking.reference) == booking
    assert video_booking(booking.reference) == booking
    assert list(terminal_bookings_today(terminal)) == [booking]
    assert not Call.objects.exists()
    calls = calls_open(terminal_bookings_today(terminal))
    assert [call.booking_id for call in calls] == [booking.pk]
    assert Call.objects.get().booking == booking
