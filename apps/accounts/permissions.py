"""Who may do what: one table of actions and the staff roles that may take them.

The console's views (to show and guard a page), the services (to refuse a write), the video
calls and the API all read this table, through ``allowed`` and ``require_staff``; the
authorization tests read it too. No other list of roles decides anything.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import StaffRole, User
from apps.accounts.selectors import staff_role_at

OFFICER = StaffRole.Role.OFFICER
SUPERVISOR = StaffRole.Role.SUPERVISOR
ADMINISTRATOR = StaffRole.Role.ADMINISTRATOR
EVERY_ROLE = frozenset({OFFICER, SUPERVISOR, ADMINISTRATOR})
SENIOR = frozenset({SUPERVISOR, ADMINISTRATOR})

ACTIONS: dict[str, frozenset[str]] = {
    "dashboard": EVERY_ROLE,
    "approvals": EVERY_ROLE,  # decide contact requests
    "reveal_identity": SENIOR,  # see a full document number (audited)
    "visit_hall": EVERY_ROLE,  # today's sheet, check-in, no-show, completed
    "book_on_behalf": EVERY_ROLE,
    "allowance_override": SENIOR,  # book past an allowance, with a written reason
    "prisoners_view": EVERY_ROLE,
    "prisoners_edit": SENIOR,  # level, unit, sentence, transfer, release
    "roster_import": frozenset({ADMINISTRATOR}),
    "schedules_view": EVERY_ROLE,
    "schedules_edit": SENIOR,  # templates, closures, capacity
    "restrictions_view": EVERY_ROLE,
    "restrictions_edit": SENIOR,
    "audit_view": SENIOR,
    "allocation_view": EVERY_ROLE,  # request windows, runs and their statistics
    "allocation_manage": SENIOR,  # open and close windows, preview and publish runs
    "api_tokens": frozenset({ADMINISTRATOR}),  # issue and revoke the integration API's tokens
    "video_supervise": EVERY_ROLE,  # live video visits: confirm custody, watch, warn, end
    "recordings_play": SENIOR,  # play a video visit's recording back (audited)
    "terminals_manage": frozenset({ADMINISTRATOR}),  # pair video terminals
    "facility_settings": frozenset({ADMINISTRATOR}),  # the facility's time zone
}


def allowed(role: str | None, action: str) -> bool:
    return role is not None and role in ACTIONS[action]


def require_staff(actor: User, facility_id: int, action: str) -> StaffRole:
    """The actor's role at the facility, if it may take ``action``; PermissionDenied if not."""
    roles = ACTIONS[action]  # an unknown action is a programming error, not a refusal
    role = staff_role_at(user=actor, facility_id=facility_id)
    if role is None or role.role not in roles:
        raise PermissionDenied(_("You do not work at this facility in a role that may do this."))
    return role
