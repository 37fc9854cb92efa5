"""The sender as a task: one message per task, enqueued when its change commits."""

import datetime as dt

from django.conf import settings
from django_tasks import task

from apps.notifications.delivery import message_deliver


@task()
def message_send_task(message_id: int) -> str | None:
    from apps.worker.tasks import scheduler_ensure

    state = message_deliver(message_id=message_id)
    # Any sending revives a scheduler whose tick died with a killed worker.
    scheduler_ensure(after=dt.timedelta(seconds=settings.SCHEDULER_INTERVAL_SECONDS))
    return state
