"""The sentence a family reads about its request, from the outcome a run recorded."""

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from apps.allocation import solver

REFUSED_AT_PUBLISH = "refused_at_publish"
WITHDRAWN = "withdrawn"

# Whole sentences per rank, so that each language can word its ordinals its own way.
_ALLOCATED: dict[int, StrOrPromise] = {
    1: _("A seat was allocated at your first choice."),
    2: _("A seat was allocated at your second choice."),
    3: _("A seat was allocated at your third choice."),
    4: _("A seat was allocated at your fourth choice."),
    5: _("A seat was allocated at your fifth choice."),
}

_NOT_ALLOCATED: dict[str, StrOrPromise] = {
    solver.NO_VALID_CHOICE: _(
        "No seat was allocated: none of the times you chose could still be booked when the window closed (a time was closed, had passed, or the visit rules no longer allowed it)."
    ),
    solver.NO_ALLOWANCE: _(
        "No seat was allocated: the prisoner has no family visits of this kind left in that period."
    ),
    solver.ALLOWANCE_TAKEN: _(
        "No seat was allocated: other requests for the same prisoner were met and used the visits left in that period."
    ),
    solver.PRISONER_BUSY: _(
        "No seat was allocated: the prisoner already has a visit from another request at each time you chose."
    ),
    solver.DAY_TAKEN: _(
        "No seat was allocated: other requests for the same prisoner were met on each day you chose, and they used the visits a day allows."
    ),
    solver.TAKEN_BY_PRIORITY: _(
        "No seat was allocated: each time you chose went to prisoners who have had fewer family visits recently."
    ),
    solver.SLOTS_FULL: _(
        "No seat was allocated: every time you chose was full. Seats went first to meet as many requests as possible and to give every prisoner a visit before anyone a second one."
    ),
    solver.BLOCKED: _(
        "No seat was allocated: at each time you chose, either every seat was taken, or the prisoner had no family visits left in that period, or the prisoner already had another visit at that time."
    ),
    REFUSED_AT_PUBLISH: _(
        "No seat was allocated: the booking was refused when the allocation was published."
    ),
}


def explanation(code: str, rank: int | None = None) -> StrOrPromise:
    if code == solver.ALLOCATED and rank in _ALLOCATED:
        return _ALLOCATED[rank]
    if code == WITHDRAWN:
        return _("You withdrew this request.")
    return _NOT_ALLOCATED.get(code, _("This request is waiting for the allocation."))
