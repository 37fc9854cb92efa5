from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.demo.prison import DEMO_LOGINS, FACILITY_CODE
from apps.people.models import Contact


class Command(BaseCommand):
    help = "Print the demo's addresses and logins (make demo shows this before the server starts)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: object, **options: object) -> None:
        base = str(options["url"]).rstrip("/")
        lines = [
            "",
            "Visitline demo is starting.",
            f"  Home:                {base}/",
            f"  Demo prison's times: {base}/facilities/{FACILITY_CODE}/",
            f"  Back office (admin): {base}/admin/ (the administrator, with its authenticator code)",
            f"  Health check:        {base}/healthz",
            "Demo logins (role: username / password):",
            *(f"  {role}: {username} / {password}" for role, username, password in DEMO_LOGINS),
            f"Family sign-in: {base}/family/sign-in/ with a demo family's phone, e.g. {_family_phone()};",
            f"  the SMS code is written to {settings.SMS_FILE_PATH} (tail -f it).",
            *_video_lines(base),
            "Stop the server with Ctrl-C.",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _family_phone() -> str:
    contact = (
        Contact.objects.filter(status=Contact.Status.APPROVED, visitor__user__isnull=False)
        .exclude(relationship="legal")
        .select_related("visitor")
        .order_by("pk")
        .first()
    )
    return contact.visitor.phone if contact else "(load the demo first)"


def _video_lines(base: str) -> list[str]:
    """How to hold the demo's video visit: pair the demo terminal, join as the family."""
    from apps.calls.demo import DEMO_TERMINAL, demo_terminal
    from apps.calls.services import terminal_pairing_code_issue
    from apps.facilities.models import Facility

    facility = Facility.objects.filter(code=FACILITY_CODE).first()
    if facility is None:
        return []
    terminal = demo_terminal(facility)
    admin = facility.staff_roles.filter(role="administrator").select_related("user").first()
    if admin is None:
        return []
    code = terminal_pairing_code_issue(actor=admin.user, terminal=terminal)
    visit = facility.bookings.filter(slot__terminal=terminal).order_by("-starts_at").first()
    lines = [
        f"Video visit: pair the demo terminal at {base}/terminal/pair/ with code {code}",
        f"  (valid {settings.TERMINAL_PAIRING_CODE_MINUTES} minutes; a new one: "
        f"manage.py terminal_pair_code {FACILITY_CODE} {DEMO_TERMINAL}).",
    ]
    if visit is not None:
        family = visit.visitors.order_by("pk").first()
        zone = facility.zone
        lines += [
            f"  Visit {visit.reference} at {visit.starts_at.astimezone(zone):%H:%M} ({zone.key}):"
            f" the family signs in with {family.phone if family else '-'}; an officer confirms"
            f" the person at the terminal under Video visits in the console.",
        ]
    return lines
