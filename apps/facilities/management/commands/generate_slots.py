from django.core.management.base import BaseCommand, CommandParser

from apps.facilities.models import Facility
from apps.facilities.services import slots_generate


class Command(BaseCommand):
    help = "Create the slots of every facility's templates across its booking window (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--facility", help="Only this facility code.")

    def handle(self, *args: object, **options: object) -> None:
        facilities = Facility.objects.all()
        if options["facility"]:
            facilities = facilities.filter(code=options["facility"])
        for facility in facilities:
            created = slots_generate(facility=facility)
            self.stdout.write(f"{facility.code}: {created} new slots")
