"""Tasks the worker (`manage.py db_worker`) runs: the scheduler tick, which re-queues itself, and waitlist offers."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from apps.waitlist.services import waitlist_offer_seats
from apps.worker.jobs import scheduler_run

TICK_PATH = "apps.worker.tasks.scheduler_tick"


@task()
def scheduler_tick() -> dict[str, int]:
    try:
        return scheduler_run()
    finally:
        # Re-queue first thing in the finally, so a failing job cannot stop the clock.
        scheduler_ensure(after=dt.timedelta(seconds=settings.SCHEDULER_INTERVAL_SECONDS))


@task()
def waitlist_offer_task() -> int:
    return waitlist_offer_seats()


def waitlist_offer_enqueue() -> None:
    """A seat was freed: an offer round runs in the worker (answers bookings' seat_freed)."""
    waitlist_offer_task.enqueue()


def scheduler_revive() -> None:
    """Any sending revives a scheduler whose tick died with a killed worker (answers
    notifications' message_sent)."""
    scheduler_ensure(after=dt.timedelta(seconds=settings.SCHEDULER_INTERVAL_SECONDS))


def scheduler_ensure(*, after: dt.timedelta = dt.timedelta(0), starting: bool = False) -> bool:
    """Queue the next tick unless one is already waiting; True if one was queued.

    Two ticks racing here may both queue one; every job is idempotent, so the
    worst case is a tick more than needed.
    """
    from django_tasks_db.models import DBTaskResult

    # A tick killed while running stays RUNNING for ever in the queue table: one
    # that started longer ago than a tick may take counts as dead.
    stale = timezone.now() - dt.timedelta(seconds=max(5 * settings.SCHEDULER_INTERVAL_SECONDS, 600))
    # A worker that is starting knows the tick it may have been running died with it.
    running = Q() if starting else Q(status=TaskResultStatus.RUNNING, started_at__gte=stale)
    alive = DBTaskResult.objects.filter(task_path=TICK_PATH).filter(
        Q(status=TaskResultStatus.READY) | running
    )
    if alive.exists():
        return False
    scheduler_tick.using(run_after=timezone.now() + after).enqueue()
    return True
