import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Day:
    date: dt.date
    free: int | None  # None: outside the booking window


def month_weeks(first: dt.date, last: dt.date, free: dict[dt.date, int]) -> list[list[Day | None]]:
    """Weeks (Monday first) covering [first, last]; blank cells pad the first and last week."""
    start = first - dt.timedelta(days=first.weekday())
    weeks: list[list[Day | None]] = []
    day = start
    while day <= last:
        week: list[Day | None] = []
        for _ in range(7):
            inside = first <= day <= last
            week.append(Day(day, free.get(day, 0)) if inside else None)
            day += dt.timedelta(days=1)
        weeks.append(week)
    return weeks
