"""Run in a child process by tests/worker/test_worker_process.py: queue messages, report their states.

python -m tests.worker_scenario queue N   # N messages, each enqueued for the worker
python -m tests.worker_scenario report    # JSON: {message id: [state, attempts]}
"""

import json
import os
import sys
import time
from pathlib import Path

import django


class SlowFileBackend:
    """The file backend; with PAUSE_AFTER_DELIVERIES=N it stops after the Nth delivery.

    It stops delivered but not yet recorded, the worst moment to die, and says so
    in the file PAUSED_FILE, so the test kills it there however slow the machine
    is (a fixed sleep would race the test's polling on a loaded machine).
    """

    def send(self, message):
        from lib.sms import FileBackend

        FileBackend().send(message)
        pause_after = int(os.environ.get("PAUSE_AFTER_DELIVERIES") or 0)
        path = Path(os.environ["SMS_FILE_PATH"])
        if pause_after and len(path.read_text().splitlines()) >= pause_after:
            Path(os.environ["PAUSED_FILE"]).write_text(message.key)
            while True:  # until the test's SIGKILL
                time.sleep(1)


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
