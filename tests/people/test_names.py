"""Names as they are typed: no invisible control can turn a page or a text backwards."""

import datetime as dt

import pytest

from apps.notifications.models import Message
from apps.notifications.render import message_text
from apps.people.services import visitor_register
from lib.names import FSI, PDI, clean_name
from tests import factories

RLO = "\u202e"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        (f"Ayshem{RLO} Tursun", "Ayshem Tursun"),
        ("\u2067ئايشەم\u2069 \u200fتۇرسۇن", "ئايشەم تۇرسۇن"),
        ("  Wang   Li ", "Wang Li"),
        ("می\u200cخواهم", "می\u200cخواهم"),  # the non-joiner inside a word stays
        ("x" + "\u0301" * 40, "x" + "\u0301" * 3),  # a stack of accents is cut to three
        ("\ufeffWang\u200b Li\x00\u2060", "Wang Li"),  # a BOM, zero-width space, NUL
        ("Ayshem\tTursun\n", "Ayshem Tursun"),
        ("\ufeff", ""),  # nothing visible: no name
        ("\u200d\u200d", ""),
        ("··· --", ""),
    ],
)
def test_a_name_keeps_its_letters_and_loses_its_controls(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.django_db
def test_a_visitor_registered_with_an_override_is_stored_without_it():
    visitor = visitor_register(
        actor=None,
        full_name=f"Dilnur{RLO} Ablet",
        date_of_birth=dt.date(1980, 5, 17),
        document_type="passport",
        document_number="E12345678",
        phone="13800138000",
    )
    assert visitor.full_name == "Dilnur Ablet"


def test_a_name_in_a_text_is_isolated_from_the_sentence(world):
    world.prisoner.full_name = "ئابلىمىت روزى"
    world.prisoner.save(update_fields=["full_name"])
    slot = factories.slot(world.facility)
    message = Message(
        recipient=world.family,
        kind=Message.Kind.BOOKED,
        language="en",
        booking=factories.family_booking(world.family, world.prisoner, slot),
        params={},
    )
    text = message_text(message)
    assert f"{FSI}ئابلىمىت روزى{PDI}" in text
    assert f"{FSI}2026-06-13 09:00" not in text  # the time and the reference stay bare


def test_a_name_on_a_page_is_isolated_from_the_text_around_it(world, console_as):
    world.prisoner.full_name = "ئابلىمىت روزى"
    world.prisoner.save(update_fields=["full_name"])
    page = console_as(world.officer).get(
        f"/console/{world.facility.code}/prisoners/{world.prisoner.pk}/"
    )
    assert "<h1><bdi>ئابلىمىت روزى</bdi>" in page.text
