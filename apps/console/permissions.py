"""Who may do what in the console: one table, read by the views and by the authorization tests."""

from apps.accounts.models import StaffRole

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
}


def allowed(role: str | None, action: str) -> bool:
    return role is not None and role in ACTIONS[action]
