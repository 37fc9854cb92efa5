"""What the policy gives a prisoner: stage of sentence, allowance period and limit."""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from apps.people.models import Prisoner
from apps.policy.models import Stage, StageRule, VisitKind


@dataclass(frozen=True)
class Allowance:
    kind: str
    period: str  # "month" or "week", as AllowanceUsage.Period
    start: dt.date
    end: dt.date  # exclusive
    limit: int


def stage_on(prisoner: Prisoner, day: dt.date, rules: dict[str, StageRule] | None = None) -> str:
    """The stage of sentence on a date, from the sentence dates and the facility's stage lengths."""
    if prisoner.legal_status == Prisoner.LegalStatus.REMAND or prisoner.sentence_start is None:
        return Stage.REMAND
    if rules is None:
        rules = stage_rules(prisoner.facility_id)
    entry = rules.get(Stage.ENTRY)
    if entry and day < prisoner.sentence_start + relativedelta(months=entry.months):
        return Stage.ENTRY
    pre_release = rules.get(Stage.PRE_RELEASE)
    if (
        pre_release
        and prisoner.sentence_end is not None
        and day >= prisoner.sentence_end - relativedelta(months=pre_release.months)
    ):
        return Stage.PRE_RELEASE
    return Stage.MIDDLE


def allowance_on(prisoner: Prisoner, kind: str, day: dt.date) -> Allowance | None:
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
        weekly = (
            facility.remand_in_person_per_week
            if kind == VisitKind.IN_PERSON
            else facility.remand_video_per_week
        )
        return Allowance(kind, "week", start, start + dt.timedelta(days=7), weekly)
    start = day.replace(day=1)
    return Allowance(
        kind,
        "month",
        start,
        start + relativedelta(months=1),
        _monthly(prisoner, kind, rules.get(stage)),
    )


def _monthly(prisoner: Prisoner, kind: str, rule: StageRule | None) -> int:
    level = prisoner.level
    if kind == VisitKind.IN_PERSON:
        granted = level.in_person_per_month + (rule.extra_in_person if rule else 0)
        # The published minimum is a floor that no level can go under.
        return max(granted, prisoner.facility.minimum_visits_per_month)
    return level.video_per_month + (rule.extra_video if rule else 0)


def stage_rules(facility_id: int) -> dict[str, StageRule]:
    return {rule.stage: rule for rule in StageRule.objects.filter(facility_id=facility_id)}
