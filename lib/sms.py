"""Sending SMS through a pluggable backend, chosen by the SMS_BACKEND setting.

The console and file backends serve the demo; the memory backend serves the
tests (like Django's locmem e-mail backend); a provider's backend is a class
with the same ``send`` method, named in the setting.
"""

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    to: str
    body: str


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
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        logger.info("SMS to %s written to %s", message.to, path)


outbox: list[Sms] = []


class MemoryBackend(SmsBackend):
    def send(self, message: Sms) -> None:
        outbox.append(message)


def send_sms(to: str, body: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(Sms(to=to, body=body))
