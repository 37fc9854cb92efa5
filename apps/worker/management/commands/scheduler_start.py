from django.core.management.base import BaseCommand

from apps.worker.tasks import scheduler_ensure


class Command(BaseCommand):
    help = "Queue the scheduler's first tick for the worker, unless one is already queued."

    def handle(self, *args: object, **options: object) -> None:
        queued = scheduler_ensure()
        self.stdout.write("scheduler tick queued" if queued else "scheduler tick already queued")
