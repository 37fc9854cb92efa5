from django.db.models import QuerySet

from apps.people.models import Visitor
from apps.waitlist.models import WaitlistEntry


def waitlist_of(visitor: Visitor) -> QuerySet[WaitlistEntry]:
    return (
        WaitlistEntry.objects.filter(visitor=visitor)
        .select_related("prisoner", "facility", "slot", "booking")
        .order_by("-created_at")
    )


def waitlist_entry_of(visitor: Visitor, entry_id: int) -> WaitlistEntry | None:
    return waitlist_of(visitor).filter(pk=entry_id).first()
