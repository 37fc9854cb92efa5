from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from apps.demo.builder import DEMO_LOGINS, FACILITY_CODE
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
            f"  Back office (admin): {base}/admin/",
            f"  Health check:        {base}/healthz",
            "Demo logins (role: username / password):",
            *(f"  {role}: {username} / {password}" for role, username, password in DEMO_LOGINS),
            f"Family sign-in: {base}/family/sign-in/ with a demo family's phone, e.g. {_family_phone()};",
            f"  the SMS code is written to {settings.SMS_FILE_PATH} (tail -f it).",
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
