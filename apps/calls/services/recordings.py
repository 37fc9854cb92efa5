"""Recordings: chunks uploaded by the terminal, audited playback, deletion after retention."""

import datetime as dt
import logging
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.permissions import allowed
from apps.audit.services import audit_record
from apps.calls.models import Call, Recording, RecordingChunk
from apps.calls.selectors import person_role
from apps.calls.services.calls import LEGAL_UNOBSERVED, require_terminal

logger = logging.getLogger(__name__)

NOT_RECORDED = _("This visit is not recorded.")
# Chunks of a few seconds: a day-long visit stays far below this, and a number
# past it is a broken or hostile client, refused before anything is written.
MAX_CHUNK_SEQ = 99_999


def _storage() -> Storage:
    return storages["recordings"]


def _recording(call: Call) -> Recording:
    retention = dt.timedelta(days=call.facility.recording_retention_days)
    recording, _created = Recording.objects.get_or_create(
        call=call, defaults={"expires_at": (call.ended_at or call.ends_at) + retention}
    )
    return recording


def recording_chunk_store(*, actor: User, call: Call, seq: int, data: bytes) -> bool:
    """Store one chunk from the call's own terminal; the same ``seq`` again stores nothing.

    Returns True when the chunk was new.
    """
    require_terminal(actor, call)
    if call.is_legal:
        raise PermissionDenied(LEGAL_UNOBSERVED)
    if not call.recorded:
        raise PermissionDenied(NOT_RECORDED)
    if call.ended_at is not None and timezone.now() > call.ended_at + dt.timedelta(minutes=5):
        raise ValidationError(_("This visit ended; its recording is closed."), code="closed")
    if not 0 <= seq <= MAX_CHUNK_SEQ:
        raise ValidationError(
            _("The chunk number must be between 0 and %(max)s."),
            code="seq",
            params={"max": MAX_CHUNK_SEQ},
        )
    if not data:
        raise ValidationError(_("The chunk is empty."), code="empty")
    recording = _recording(call)
    if RecordingChunk.objects.filter(recording=recording, seq=seq).exists():
        return False
    name = _storage().save(f"{call.facility_id}/{call.pk}/{seq:06d}.webm", ContentFile(data))
    try:
        with transaction.atomic():
            RecordingChunk.objects.create(recording=recording, seq=seq, name=name, size=len(data))
            Recording.objects.filter(pk=recording.pk).update(
                chunk_count=F("chunk_count") + 1, size=F("size") + len(data)
            )
    except IntegrityError:
        _storage().delete(name)  # a retry of the same chunk won the race
        return False
    return True


def _require_player(actor: User, call: Call) -> None:
    if not allowed(person_role(actor, call.facility_id), "recordings_play"):
        raise PermissionDenied(
            _("Only a supervisor or administrator of this facility can play recordings.")
        )


def playable_recording(call: Call) -> Recording | None:
    recording = Recording.objects.filter(call=call, deleted_at__isnull=True).first()
    return recording if recording and recording.chunk_count else None


def recordings_playable(calls: list[Call]) -> set[int]:
    """Ids of these calls that have a recording to play (one query for a list page)."""
    return set(
        Recording.objects.filter(
            call__in=calls, deleted_at__isnull=True, chunk_count__gt=0
        ).values_list("call_id", flat=True)
    )


def recording_play(*, actor: User, call: Call, ip_address: str | None = None) -> Iterator[bytes]:
    """The recording as one WebM stream (its chunks in order); every playback is audited."""
    _require_player(actor, call)
    recording = playable_recording(call)
    if recording is None:
        raise ValidationError(_("This visit has no recording to play."), code="no_recording")
    audit_record(
        actor=actor,
        action="recording.play",
        target=recording,
        facility_id=call.facility_id,
        ip_address=ip_address,
        call=call.pk,
    )
    names = list(recording.chunks.order_by("seq").values_list("name", flat=True))
    return _stream(names)


def _stream(names: list[str]) -> Iterator[bytes]:
    storage = _storage()
    for name in names:
        with storage.open(name, "rb") as chunk:
            while block := chunk.read(64 * 1024):
                yield block


def recordings_delete_expired(*, now: dt.datetime | None = None) -> int:
    """Delete the files of recordings past their facility's retention period; the row stays, marked.

    A recording whose files cannot be deleted now (storage away) is logged and
    tried again at the next run; it does not stop the others.
    """
    now = now or timezone.now()
    deleted = 0
    for recording in Recording.objects.filter(
        deleted_at__isnull=True, expires_at__lte=now
    ).select_related("call"):
        try:
            deleted += _recording_delete(recording, now=now)
        except OSError:
            logger.exception("Recording %s could not be deleted; retried later", recording.pk)
    return deleted


def _recording_delete(recording: Recording, *, now: dt.datetime) -> int:
    storage = _storage()
    for name in recording.chunks.values_list("name", flat=True):
        storage.delete(name)
    with transaction.atomic():
        if not Recording.objects.filter(pk=recording.pk, deleted_at__isnull=True).update(
            deleted_at=now
        ):
            return 0  # another run got there first
        recording.chunks.all().delete()
        audit_record(
            actor=None,
            action="recording.deleted",
            target=recording,
            facility_id=recording.call.facility_id,
        )
    return 1
