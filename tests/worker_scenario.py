"""Run in a child process by tests/test_worker_process.py: queue messages, report their states.

python -m tests.worker_scenario queue N   # N messages, each enqueued for the worker
python -m tests.worker_scenario report    # JSON: {message id: [state, attempts]}
"""

import json
import sys
import time

import django


class SlowFileBackend:
    """The file backend, slowed so that a SIGKILL lands in the middle of a send."""

    def send(self, message):
        from lib.sms import FileBackend

        time.sleep(0.1)
        FileBackend().send(message)
        time.sleep(1.5)  # delivered, not yet recorded: the worst moment to die


def queue(count: int) -> None:
    from django.db import transaction

    from apps.notifications.services import message_queue
    from tests import factories

    for n in range(count):
        visitor = factories.visitor(phone=f"+86138000{n:05d}", with_user=False)
        with transaction.atomic():
            message_queue(recipient=visitor, kind="contact_approved", prisoner="Ablimit Rozi")


def report() -> None:
    from apps.notifications.models import Message

    states = {m.pk: [m.state, m.attempts] for m in Message.objects.all()}
    print(json.dumps(states))


if __name__ == "__main__":
    django.setup()
    if sys.argv[1] == "queue":
        queue(int(sys.argv[2]))
    else:
        report()
