from django.core.management.base import BaseCommand

from apps.worker.tasks import scheduler_ensure


class Command(BaseCommand):
    help = "Queue the scheduler's tick as a worker starts, unless one is already waiting."

    def handle(self, *args: object, **options: object) -> None:
        queued = scheduler_ensure(starting=True)
        self.stdout.write("scheduler tick queued" if queued else "scheduler tick already queued")
