from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.facilities.models import Facility
from apps.facilities.services import facility_time_zone_set


class Command(BaseCommand):
    help = "Move a facility to another time zone, its future times kept at their local hours."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("facility", help="The facility's code.")
        parser.add_argument("time_zone", help="An IANA zone, e.g. Asia/Urumqi.")

    def handle(self, *args: object, **options: str) -> None:
        facility = Facility.objects.filter(code=options["facility"]).first()
        if facility is None:
            raise CommandError(f"No facility with the code {options['facility']!r}.")
        try:
            facility = facility_time_zone_set(
                actor=None, facility=facility, time_zone=options["time_zone"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{facility.code}: now in {facility.time_zone}")
