"""Sending SMS through a pluggable backend, chosen by the SMS_BACKEND setting.

The console and file backends serve the demo; the memory backend serves the
tests (like Django's locmem e-mail backend); a provider's backend is a class
with the same ``send`` method, named in the setting.

A message may carry an idempotency ``key`` (the outbox passes its message id):
a backend delivers a key once and skips it when asked again, so a sender that
died after delivering but before recording it cannot make a phone ring twice.
A provider that refuses a number for good raises ``RejectedNumber``.
"""

import fcntl
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    body: str
    key: str = ""


class RejectedNumber(Exception):
    """The provider will never deliver to this number (invalid, barred, not a mobile)."""


class SmsBackend:
    def send(self, message: Sms) -> None:
        raise NotImplementedError


class ConsoleBackend(SmsBackend):
    def send(self, message: Sms) -> None:
        logger.warning("SMS to %s: %s", message.to, message.body)


class FileBackend(SmsBackend):
    """Appends each message as a JSON line to SMS_FILE_PATH (the demo's 'phone')."""

    def send(self, message: Sms) -> None:
        path = Path(settings.SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {"at": timezone.now().isoformat(), "to": message.to, "body": message.body}
        if message.key:
            record["key"] = message.key
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        with path.open("a+b") as handle:
            # The lock makes "already delivered?" and the write one step, across processes.
            fcntl.flock(handle, fcntl.LOCK_EX)
            if message.key and message.key in _file_keys(handle):
                logger.info("SMS %s already delivered; not sent again", message.key)
                return
            handle.write(line)
            handle.flush()
        logger.info("SMS to %s written to %s", message.to, path)


def _file_keys(handle: BinaryIO) -> set[str]:
    handle.seek(0)
    keys = set()
    for raw in handle:
        try:
            keys.add(json.loads(raw).get("key", ""))
        except ValueError:
            continue  # a line cut short by a crash delivered nothing
    return keys


outbox: list[Sms] = []


class MemoryBackend(SmsBackend):
    def send(self, message: Sms) -> None:
        if message.key and any(sent.key == message.key for sent in outbox):
            return
        outbox.append(message)


def send_sms(to: str, body: str, *, key: str = "") -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(Sms(to=to, body=body, key=key))
