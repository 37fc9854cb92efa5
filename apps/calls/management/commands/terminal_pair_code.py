from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import StaffRole
from apps.calls.services import terminal_pairing_code_issue
from apps.facilities.models import Terminal


class Command(BaseCommand):
    help = "Issue a one-time pairing code for a video terminal (as the console's Video terminals page does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("facility", help="facility code, e.g. tianshan")
        parser.add_argument("terminal", help="terminal name")
        parser.add_argument("--by", help="administrator's username (default: the first one)")

    def handle(self, *args: object, **options: str) -> None:
        terminal = Terminal.objects.filter(
            facility__code=options["facility"], name=options["terminal"]
        ).first()
        if terminal is None:
            raise CommandError("No such terminal at that facility.")
        admins = StaffRole.objects.filter(
            facility_id=terminal.facility_id, role=StaffRole.Role.ADMINISTRATOR
        ).select_related("user")
        if options.get("by"):
            admins = admins.filter(user__username=options["by"])
        admin = admins.order_by("pk").first()
        if admin is None:
            raise CommandError("The facility has no such administrator to issue the code.")
        code = terminal_pairing_code_issue(actor=admin.user, terminal=terminal)
        self.stdout.write(code)
