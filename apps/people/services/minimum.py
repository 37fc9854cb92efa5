"""The published minimum: no decision may leave a prisoner without family able to visit."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.people.models import Contact, Prisoner
from apps.people.selectors import family_contacts_free_of_bans


def lock_prisoners(prisoner_ids: Iterable[int]) -> list[Prisoner]:
    """Lock the prisoners a decision is about, in id order.

    booking_create locks the prisoner first too, so a ban, a suspension and a
    booking for one prisoner are decided one after the other, never on a
    state another of them is changing.
    """
    return list(
        Prisoner.objects.select_for_update(of=("self",))
        .select_related("facility")
        .filter(pk__in=set(prisoner_ids))
        .order_by("pk")
    )


def refuse_below_minimum(
    *, removed: Iterable[Contact], starts_at: dt.datetime, ends_at: dt.datetime
) -> None:
    """Refuse if, without these contacts from ``starts_at`` to ``ends_at``, a prisoner would
    have no adult family member left who may visit."""
    for contact in removed:
        prisoner = contact.prisoner
        facility = prisoner.facility
        if facility.minimum_visits_per_month == 0:
            continue
        others = family_contacts_free_of_bans(
            prisoner_id=prisoner.pk, facility=facility, starts_at=starts_at, ends_at=ends_at
        ).exclude(visitor_id=contact.visitor_id)
        if not others.exists():
            raise ValidationError(
                _(
                    "This would leave %(prisoner)s with no adult family member able to visit, "
                    "below the published minimum of %(minimum)d visits a month. Restrict to closed "
                    "visits instead."
                ),
                code="below_minimum",
                params={
                    "prisoner": prisoner.full_name,
                    "minimum": facility.minimum_visits_per_month,
                },
            )
