"""Issue an API token from the server's command line; prints only the token, once."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.accounts.models import StaffRole
from apps.api.models import ApiToken
from apps.api.tokens import api_token_issue
from apps.facilities.models import Facility


class Command(BaseCommand):
    help = "Create an API token for one facility and print it (it is shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility", required=True, help="the facility's code")
        parser.add_argument("--scope", required=True, choices=ApiToken.Scope.values)
        parser.add_argument("--name", required=True, help="the system the token is for")
        parser.add_argument(
            "--role",
            default=StaffRole.Role.OFFICER,
            choices=StaffRole.Role.values,
            help="the staff role the token acts as (roster import needs administrator)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        facility = Facility.objects.filter(code=options["facility"]).first()
        if facility is None:
            raise CommandError(f"No facility has the code {options['facility']!r}.")
        try:
            issued = api_token_issue(
                actor=None,
                facility=facility,
                name=options["name"],
                scope=options["scope"],
                role=options["role"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(issued.secret)
