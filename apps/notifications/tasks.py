"""The sender as a task: one message per task, enqueued when its change commits."""

from django_tasks import task

from apps.notifications import hooks
from apps.notifications.delivery import message_deliver


@task()
def message_send_task(message_id: int) -> str | None:
    state = message_deliver(message_id=message_id)
    hooks.message_sent()
    return state
