"""The sender as a task: one message per task, enqueued when its change commits."""

from django_tasks import task

from apps.notifications.delivery import message_deliver


@task()
def message_send_task(message_id: int) -> str | None:
    return message_deliver(message_id=message_id)
