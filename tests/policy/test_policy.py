"""Allowances by level and stage of sentence, remand weeks, and the published minimum."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.policy.kinds import Stage, VisitKind
from apps.policy.models import StageRule
from apps.policy.selectors import allowance_on, stage_on
from tests import factories

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def staged(world):
    StageRule.objects.create(
        facility=world.facility, stage=Stage.ENTRY, months=3, extra_in_person=0, extra_video=1
    )
    StageRule.objects.create(
        facility=world.facility, stage=Stage.PRE_RELEASE, months=6, extra_in_person=1, extra_video=2
    )
    return world


def sentenced(world, start, end):
    return factories.prisoner(world.facility, sentence_start=start, sentence_end=end)


def test_stage_follows_the_sentence_dates(staged):
    prisoner = sentenced(staged, dt.date(2026, 10, 1), dt.date(2030, 1, 1))
    assert stage_on(prisoner, dt.date(2026, 12, 31)) == Stage.ENTRY
    assert stage_on(prisoner, dt.date(2027, 1, 1)) == Stage.MIDDLE
    assert stage_on(prisoner, dt.date(2029, 6, 30)) == Stage.MIDDLE
    assert stage_on(prisoner, dt.date(2029, 7, 1)) == Stage.PRE_RELEASE


def test_an_indeterminate_sentence_never_reaches_pre_release(staged):
    prisoner = sentenced(staged, dt.date(2020, 1, 1), None)
    assert stage_on(prisoner, dt.date(2040, 1, 1)) == Stage.MIDDLE


def test_stages_add_visits_to_the_level(staged):
    prisoner = sentenced(staged, dt.date(2026, 10, 1), dt.date(2027, 3, 1))  # level: 2 and 2
    entry = allowance_on(prisoner, VisitKind.VIDEO, dt.date(2026, 11, 30))
    assert (entry.limit, entry.period, entry.start, entry.end) == (
        3,
        "month",
        dt.date(2026, 11, 1),
        dt.date(2026, 12, 1),
    )
    pre_release = allowance_on(prisoner, VisitKind.IN_PERSON, dt.date(2027, 1, 15))
    assert pre_release.limit == 3
    assert allowance_on(prisoner, VisitKind.VIDEO, dt.date(2027, 1, 15)).limit == 4


def test_middle_stage_gets_the_level_only(staged):
    prisoner = sentenced(staged, dt.date(2020, 1, 1), dt.date(2035, 1, 1))
    assert allowance_on(prisoner, VisitKind.IN_PERSON, TODAY).limit == 2
    assert allowance_on(prisoner, VisitKind.VIDEO, TODAY).limit == 2


def test_remand_counts_by_week_from_monday(world):
    world.facility.remand_in_person_per_week = 2
    world.facility.remand_video_per_week = 1
    world.facility.save()
    prisoner = factories.prisoner(
        world.facility, legal_status="remand", sentence_start=None, sentence_end=None
    )
    assert stage_on(prisoner, TODAY) == Stage.REMAND
    allowance = allowance_on(prisoner, VisitKind.IN_PERSON, TODAY)  # a Friday
    assert (allowance.period, allowance.start, allowance.end, allowance.limit) == (
        "week",
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 30),
        2,
    )
    assert allowance_on(prisoner, VisitKind.VIDEO, TODAY).limit == 1


def test_legal_visits_have_no_allowance(world):
    assert allowance_on(world.prisoner, VisitKind.LEGAL, TODAY) is None


def test_no_level_gives_fewer_in_person_visits_than_the_published_minimum(world):
    world.facility.minimum_visits_per_month = 2
    world.facility.save()
    level = factories.level(world.facility, in_person_per_month=0, video_per_month=5)
    with pytest.raises(ValidationError) as info:
        level.full_clean()
    assert "in_person_per_month" in info.value.message_dict
    prisoner = factories.prisoner(world.facility, level=level)
    assert allowance_on(prisoner, VisitKind.IN_PERSON, TODAY).limit == 2
    assert allowance_on(prisoner, VisitKind.VIDEO, TODAY).limit == 5
