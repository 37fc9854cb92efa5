"""What the policy gives a prisoner (stage, allowance period and limit) and what a facility publishes."""

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dateutil.relativedelta import relativedelta
from django_stubs_ext import StrOrPromise

from apps.policy.kinds import LegalStatus, Stage, VisitKind
from apps.policy.models import Level, StageRule

if TYPE_CHECKING:
    from apps.facilities.models import Facility
    from apps.people.models import Prisoner


@dataclass(frozen=True)
class Allowance:
    kind: str
    period: str  # "month" or "week", as AllowanceUsage.Period
    start: dt.date
    end: dt.date  # exclusive
    limit: int


def stage_on(prisoner: "Prisoner", day: dt.date, rules: dict[str, StageRule] | None = None) -> str:
    """The stage of sentence on a date, from the sentence dates and the facility's stage lengths."""
    if prisoner.legal_status == LegalStatus.REMAND or prisoner.sentence_start is None:
        return Stage.REMAND
    if rules is None:
        rules = stage_rules(prisoner.facility_id)
    entry = rules.get(Stage.ENTRY)
    if entry and day < _months_after(prisoner.sentence_start, entry.months):
        return Stage.ENTRY
    pre_release = rules.get(Stage.PRE_RELEASE)
    if (
        pre_release
        and prisoner.sentence_end is not None
        and day >= _months_after(prisoner.sentence_end, -pre_release.months)
    ):
        return Stage.PRE_RELEASE
    return Stage.MIDDLE


def _months_after(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, held at the calendar's ends: no stored date can make a
    stage raise (a sentence ending in 9999 is simply never in its pre-release stage)."""
    try:
        return day + relativedelta(months=months)
    except (OverflowError, ValueError):
        return dt.date.max if months > 0 else dt.date.min


def allowance_on(prisoner: "Prisoner", kind: str, day: dt.date) -> Allowance | None:
    """The family allowance of a kind for the period holding ``day``; None for legal visits.

    Sentenced prisoners count by calendar month from their level and stage;
    remand prisoners by week (Monday first) from the facility's remand limits.
    """
    if kind == VisitKind.LEGAL:
        return None
    facility = prisoner.facility
    rules = stage_rules(prisoner.facility_id)
    stage = stage_on(prisoner, day, rules)
    if stage == Stage.REMAND:
        start = day - dt.timedelta(days=day.weekday())
        weekly = remand_weekly_limit(facility, kind)
        return Allowance(kind, "week", start, start + dt.timedelta(days=7), weekly)
    start = day.replace(day=1)
    return Allowance(
        kind,
        "month",
        start,
        start + relativedelta(months=1),
        monthly_limit(prisoner.level, facility, kind, rules.get(stage)),
    )


def monthly_limit(level: Level, facility: "Facility", kind: str, rule: StageRule | None) -> int:
    """Family visits of a kind per calendar month at a level, in the stage ``rule`` describes.

    The one place the monthly number is worked out: the booking engine (through
    ``allowance_on``) and the published rules page both call it.
    """
    if kind == VisitKind.IN_PERSON:
        granted = level.in_person_per_month + (rule.extra_in_person if rule else 0)
        # The published minimum is a floor that no level can go under.
        return max(granted, facility.minimum_visits_per_month)
    return level.video_per_month + (rule.extra_video if rule else 0)


def remand_weekly_limit(facility: "Facility", kind: str) -> int:
    if kind == VisitKind.IN_PERSON:
        return facility.remand_in_person_per_week
    return facility.remand_video_per_week


def stage_rules(facility_id: int) -> dict[str, StageRule]:
    return {rule.stage: rule for rule in StageRule.objects.filter(facility_id=facility_id)}


def party_limit(level: Level, facility: "Facility") -> int:
    """How many people may come to one visit: the facility's limit, or the level's if tighter."""
    return min(facility.max_visitors, level.max_visitors or facility.max_visitors)


@dataclass(frozen=True)
class StageColumn:
    stage: str
    label: StrOrPromise
    months: int | None  # None for the middle stage, which is whatever the others leave


@dataclass(frozen=True)
class StageAllowance:
    stage: str
    in_person: int
    video: int


@dataclass(frozen=True)
class LevelAllowances:
    level: Level
    stages: list[StageAllowance]
    visitors: int


@dataclass(frozen=True)
class AllowanceTable:
    """The family allowances a facility publishes, worked out as the booking engine works them."""

    stages: list[StageColumn]
    levels: list[LevelAllowances]
    remand_in_person_per_week: int
    remand_video_per_week: int
    some_levels_take_fewer_visitors: bool


def allowance_table(facility: "Facility") -> AllowanceTable:
    rules = stage_rules(facility.pk)
    # Only the stages ``stage_on`` can return for this facility get a column.
    stages = [
        StageColumn(stage, Stage(stage).label, rules[stage].months if stage in rules else None)
        for stage in (Stage.ENTRY, Stage.MIDDLE, Stage.PRE_RELEASE)
        if stage == Stage.MIDDLE or stage in rules
    ]
    levels = [
        LevelAllowances(
            level,
            [_stage_allowance(level, facility, column.stage, rules) for column in stages],
            party_limit(level, facility),
        )
        for level in Level.objects.filter(facility=facility).order_by("rank", "name")
    ]
    return AllowanceTable(
        stages,
        levels,
        remand_weekly_limit(facility, VisitKind.IN_PERSON),
        remand_weekly_limit(facility, VisitKind.VIDEO),
        any(row.visitors < facility.max_visitors for row in levels),
    )


def _stage_allowance(
    level: Level, facility: "Facility", stage: str, rules: dict[str, StageRule]
) -> StageAllowance:
    rule = rules.get(stage)
    return StageAllowance(
        stage,
        monthly_limit(level, facility, VisitKind.IN_PERSON, rule),
        monthly_limit(level, facility, VisitKind.VIDEO, rule),
    )
