from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.permissions import allowed

# (url name, action that grants it, label) in the order of the menu.
SECTIONS = [
    ("console:approvals", "approvals", _("Approvals")),
    ("console:hall", "visit_hall", _("Visit hall")),
    ("console:book", "book_on_behalf", _("Book for a family")),
    ("console:prisoners", "prisoners_view", _("Prisoners")),
    ("console:schedules", "schedules_view", _("Schedules")),
    ("console:restrictions", "restrictions_view", _("Restrictions")),
    ("console:messages_undelivered", "visit_hall", _("Undelivered messages")),
    ("console:audit", "audit_view", _("Audit trail")),
    ("console:allocation", "allocation_view", _("Allocation")),
    ("console:api_tokens", "api_tokens", _("API tokens")),
    ("console:video", "video_supervise", _("Video visits")),
    ("console:terminals", "terminals_manage", _("Video terminals")),
]


def console_links(request: HttpRequest) -> dict[str, list[dict[str, object]]]:
    """The console menu for the facility and role the current view resolved; nothing elsewhere."""
    facility = getattr(request, "facility", None)
    role = getattr(request, "role", None)
    if facility is None:
        return {}
    links = []
    for name, action, label in SECTIONS:
        if not allowed(role, action):
            continue
        try:
            url = reverse(name, args=[facility.code])
        except NoReverseMatch:
            continue
        links.append({"url": url, "label": label, "current": request.path.startswith(url)})
    return {"console_links": links}
