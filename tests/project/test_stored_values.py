"""No value already stored can make a page or a booking fail: the stage of a sentence dated at
the calendar's ends is worked out, not raised."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.people.models import Prisoner
from apps.policy.kinds import Stage
from apps.policy.models import StageRule
from apps.policy.selectors import stage_on
from tests import factories


@pytest.fixture
def stages(world):
    StageRule.objects.create(facility=world.facility, stage=Stage.ENTRY, months=3)
    StageRule.objects.create(facility=world.facility, stage=Stage.PRE_RELEASE, months=6)


@pytest.mark.parametrize(
    ("start", "end", "stage"),
    [
        (dt.date(9999, 12, 31), None, Stage.ENTRY),
        (dt.date(2020, 1, 1), dt.date(9999, 12, 31), Stage.MIDDLE),
        (dt.date(1, 1, 1), dt.date(1, 1, 2), Stage.PRE_RELEASE),
    ],
)
def test_a_stage_is_worked_out_for_dates_at_the_calendars_ends(world, stages, start, end, stage):
    Prisoner.objects.filter(pk=world.prisoner.pk).update(sentence_start=start, sentence_end=end)
    world.prisoner.refresh_from_db()
    assert stage_on(world.prisoner, dt.date(2026, 6, 10)) == stage


def test_the_prisoners_page_and_the_familys_booking_page_show_such_a_prisoner(
    world, stages, console_as, client
):
    Prisoner.objects.filter(pk=world.prisoner.pk).update(sentence_end=dt.date(9999, 12, 31))
    factories.slot(world.facility)
    page = console_as(world.officer).get(
        reverse("console:prisoner", args=[world.facility.code, world.prisoner.pk])
    )
    assert page.status_code == 200
    client.force_login(world.family.user)
    assert client.get(reverse("portal:book", args=[world.prisoner.pk])).status_code == 200
