import time

from django.core.management.base import BaseCommand

from apps.demo.builder import load_demo
from apps.demo.prison import DEMO_LOGINS


class Command(BaseCommand):
    help = "Load the fictional Tianshan demo prison (idempotent: a second run changes nothing)."

    def handle(self, *args: object, **options: object) -> None:
        started = time.monotonic()
        summary = load_demo()
        seconds = time.monotonic() - started
        facility = summary.facility
        action = "created" if summary.created else "already loaded, topped up"
        self.stdout.write(f"{facility.name} ({facility.code}): {action} in {seconds:.1f} s")
        self.stdout.write(f"  new slots: {summary.new_slots}")
        for label, count in summary.counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write("Demo logins (role: username / password):")
        for role, username, password in DEMO_LOGINS:
            self.stdout.write(f"  {role}: {username} / {password}")
