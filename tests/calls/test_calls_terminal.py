"""Terminal devices: pairing through the console, confinement, and recording uploads and playback."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.calls.models import Call, Recording, TerminalPairingCode
from apps.calls.services import call_end, call_end_if_due, call_open_at_terminal
from apps.worker.jobs import recordings_delete_expired
from tests import factories
from tests.calls_support import terminal_client, world_call


@pytest.fixture(autouse=True)
def recordings_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "recordings": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "recordings")},
        },
    }
    # Django's settings fixture resets the cached storages when STORAGES changes.


def issue_code(world, console_as, terminal) -> str:
    url = reverse("console:terminal_pairing_code", args=[world.facility.code, terminal.pk])
    page = console_as(world.administrator).post(url)
    assert page.status_code == 200
    return re.search(r'<bdi dir="ltr">([A-Z0-9]{8})</bdi>', page.text).group(1)


def pair(code: str) -> Client:
    browser = Client(headers={"accept-language": "en"})
    response = browser.post(reverse("calls:pair"), {"code": code})
    assert response.status_code == 302, response.content
    return browser


def test_an_administrator_pairs_a_terminal_once(world, console_as):
    terminal = factories.terminal(world.facility)
    code = issue_code(world, console_as, terminal)
    assert code not in TerminalPairingCode.objects.get().code_hash  # only a keyed hash is kept
    browser = pair(code)
    assert browser.session.get_expiry_age() > 30 * 24 * 3600
    assert AuditEvent.objects.filter(action="terminal.paired").exists()
    again = Client(headers={"accept-language": "en"}).post(reverse("calls:pair"), {"code": code})
    assert "not right or has expired" in again.text  # single use


def test_an_expired_code_does_not_pair(world, console_as):
    code = issue_code(world, console_as, factories.terminal(world.facility))
    TerminalPairingCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = Client(headers={"accept-language": "en"}).post(reverse("calls:pair"), {"code": code})
    assert page.status_code == 200 and "has expired" in page.text


def test_pairing_again_signs_the_previous_browser_out(world, console_as):
    terminal = factories.terminal(world.facility)
    first = pair(issue_code(world, console_as, terminal))
    assert first.get(reverse("calls:pair")).wsgi_request.user.is_authenticated
    pair(issue_code(world, console_as, terminal))
    assert not first.get(reverse("calls:pair")).wsgi_request.user.is_authenticated


def test_only_an_administrator_issues_codes(world, console_as):
    terminal = factories.terminal(world.facility)
    url = reverse("console:terminal_pairing_code", args=[world.facility.code, terminal.pk])
    assert console_as(world.officer).post(url).status_code == 403
    assert console_as(world.other_officer).post(url).status_code == 404
    assert not TerminalPairingCode.objects.exists()


def test_a_terminal_session_reaches_nothing_but_the_terminal(world):
    browser = terminal_client(factories.terminal(world.facility))
    for path in ("/family/", f"/console/{world.facility.code}/", "/api/v1/facilities"):
        response = browser.get(path)
        assert response.status_code == 302 and response["Location"] == "/terminal/", path


def upload(browser: Client, call: Call, seq: int, data: bytes = b"webm-bytes"):
    url = reverse("calls:recording", args=[call.booking.reference, seq])
    return browser.post(url, data=data, content_type="application/octet-stream")


def test_chunks_are_stored_once_each_and_played_back_in_order(world, console_as):
    call = world_call(world)
    terminal = terminal_client(call.terminal)
    assert upload(terminal, call, 1, b"second-").status_code == 201
    assert upload(terminal, call, 0, b"first-").status_code == 201
    assert upload(terminal, call, 1, b"second-").status_code == 200  # a retried upload
    recording = Recording.objects.get(call=call)
    assert recording.chunk_count == 2

    media = reverse(
        "console:video_recording_media", args=[world.facility.code, call.booking.reference]
    )
    response = console_as(world.supervisor).get(media)
    assert b"".join(response.streaming_content) == b"first-second-"
    assert AuditEvent.objects.filter(action="recording.play", actor=world.supervisor).count() == 1
    assert console_as(world.officer).get(media).status_code == 403
    assert AuditEvent.objects.filter(action="recording.play").count() == 1


def test_uploads_are_refused_to_anyone_but_the_calls_terminal(world, console_as):
    call = world_call(world)
    family = Client()
    family.force_login(world.family.user)
    other_facility_terminal = terminal_client(factories.terminal(world.other_facility))
    other_terminal = terminal_client(factories.terminal(world.facility))
    assert upload(family, call, 0).status_code == 404
    assert upload(other_facility_terminal, call, 0).status_code == 404
    assert upload(other_terminal, call, 0).status_code == 404
    assert upload(console_as(world.officer), call, 0).status_code == 404
    assert not Recording.objects.exists()


def test_legal_and_unrecorded_visits_take_no_recording(world, settings):
    legal = world_call(world, kind="legal", prisoner=factories.prisoner(world.facility))
    response = upload(terminal_client(legal.terminal), legal, 0)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert "never supervised or recorded" in response.json()["detail"]
    world.facility.video_visits_recorded = False
    world.facility.save()
    unrecorded = world_call(world, prisoner=factories.prisoner(world.facility))
    assert upload(terminal_client(unrecorded.terminal), unrecorded, 0).status_code == 403
    assert not Recording.objects.exists()


def test_an_oversized_chunk_is_refused(world, settings):
    settings.RECORDING_CHUNK_MAX_BYTES = 10
    call = world_call(world)
    response = upload(terminal_client(call.terminal), call, 0, b"x" * 11)
    assert response.status_code == 413
    assert not Recording.objects.exists()


def test_recordings_are_deleted_after_the_retention_period(world):
    call = world_call(world, starts_in=-dt.timedelta(minutes=40))
    upload(terminal_client(call.terminal), call, 0, b"chunk")
    call_end_if_due(call.pk)
    recording = Recording.objects.get(call=call)
    name = recording.chunks.get().name
    assert storages["recordings"].exists(name)

    assert recordings_delete_expired(now=recording.expires_at - dt.timedelta(minutes=1)) == 0
    assert recordings_delete_expired(now=recording.expires_at) == 1
    recording.refresh_from_db()
    assert recording.deleted_at is not None and not recording.chunks.exists()
    assert not storages["recordings"].exists(name)
    assert AuditEvent.objects.filter(action="recording.deleted").exists()
    assert recordings_delete_expired(now=recording.expires_at) == 0


def test_a_chunk_number_out_of_range_is_refused_and_nothing_is_written(world):
    call = world_call(world)
    response = upload(terminal_client(call.terminal), call, 2**31)  # past a database integer
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert "chunk number" in response.json()["detail"]
    assert not Recording.objects.exists()


def test_a_garbled_content_length_is_a_clear_refusal(world):
    call = world_call(world)
    url = reverse("calls:recording", args=[call.booking.reference, 0])
    response = terminal_client(call.terminal).post(
        url, data=b"webm", content_type="application/octet-stream", CONTENT_LENGTH="many"
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert not Recording.objects.exists()


def test_a_recording_that_cannot_be_deleted_now_does_not_stop_the_others(world, monkeypatch):
    calls = [
        world_call(
            world, starts_in=-dt.timedelta(minutes=40), prisoner=factories.prisoner(world.facility)
        )
        for _ in range(2)
    ]
    for call in calls:
        upload(terminal_client(call.terminal), call, 0, b"chunk")
    stuck = Recording.objects.get(call=calls[0]).chunks.get().name
    storage = storages["recordings"]
    real_delete = storage.delete

    def delete(name: str) -> None:
        if name == stuck:
            raise PermissionError("read-only file system")
        real_delete(name)

    monkeypatch.setattr(storage, "delete", delete)
    later = timezone.now() + dt.timedelta(days=world.facility.recording_retention_days + 1)
    assert recordings_delete_expired(now=later) == 1
    assert Recording.objects.get(call=calls[1]).deleted_at is not None
    assert Recording.objects.get(call=calls[0]).deleted_at is None  # tried again next time
    monkeypatch.setattr(storage, "delete", real_delete)
    assert recordings_delete_expired(now=later) == 1


def test_the_terminals_list_names_only_the_person_whose_visit_is_open(world, clock):
    clock.move_to("2026-06-10 10:00")
    now = world_call(world)  # began a minute ago
    other = factories.prisoner(world.facility, full_name="Memet Tursun")
    factories.contact(world.other_family, other)
    later = world_call(
        world, prisoner=other, terminal=now.terminal, starts_in=dt.timedelta(hours=5)
    )
    page = terminal_client(now.terminal).get(reverse("calls:terminal_home")).text
    assert world.prisoner.full_name in page
    assert "Memet Tursun" not in page  # who comes at 15:00 is not for this screen
    assert later.booking.reference in page and "15:00" in page


def test_an_officer_opens_a_visit_on_the_terminals_screen(world, console_as, clock):
    clock.move_to("2026-06-10 10:00")
    call = world_call(world, starts_in=dt.timedelta(minutes=5))  # open to join, not begun
    screen = terminal_client(call.terminal)
    home = reverse("calls:terminal_home")
    listed = screen.get(home)
    assert listed.status_code == 200
    assert '<meta http-equiv="refresh" content="10">' in listed.text  # it asks again by itself
    officer = console_as(world.officer)
    day = reverse("console:video", args=[world.facility.code])
    opening = reverse("console:video_open", args=[world.facility.code, call.booking.reference])
    assert opening in officer.get(day).text
    assert officer.post(opening).status_code == 302
    assert "is opening on" in officer.get(day).text
    # The screen's next look at its list lands on the visit itself.
    assert screen.get(home)["Location"] == reverse(
        "calls:terminal_call", args=[call.booking.reference]
    )
    event = AuditEvent.objects.get(action="call.opened_at_terminal")
    assert event.actor == world.officer and event.data["terminal"] == call.terminal.name
    # Once the visit has ended, the screen shows its list again.
    call_end(actor=world.officer, call=call, reason="Visit over")
    assert screen.get(home).status_code == 200


def test_a_visit_not_yet_open_cannot_be_put_on_the_screen(world, console_as, clock):
    clock.move_to("2026-06-10 10:00")
    call = world_call(world, starts_in=dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as refused:
        call_open_at_terminal(actor=world.officer, call=call)
    assert refused.value.code == "not_open_yet"
    opening = reverse("console:video_open", args=[world.facility.code, call.booking.reference])
    page = console_as(world.officer).post(opening, follow=True)
    assert "it can be put on the terminal from then" in page.text
    assert terminal_client(call.terminal).get(reverse("calls:terminal_home")).status_code == 200


def test_only_an_officer_of_the_prison_opens_a_visit_at_its_terminal(world, console_as, client):
    call = world_call(world)
    opening = reverse("console:video_open", args=[world.facility.code, call.booking.reference])
    elsewhere = reverse(
        "console:video_open", args=[world.other_facility.code, call.booking.reference]
    )
    assert console_as(world.other_officer).post(opening).status_code == 404
    assert console_as(world.other_officer).post(elsewhere).status_code == 404
    client.force_login(world.family.user)
    assert client.post(opening).status_code in (302, 403)  # to the console's sign-in
    with pytest.raises(PermissionDenied):
        call_open_at_terminal(actor=world.family.user, call=call)
    assert terminal_client(call.terminal).post(opening).status_code in (302, 403, 404)
    call.refresh_from_db()
    assert call.opened_at_terminal_at is None
    assert not AuditEvent.objects.filter(action="call.opened_at_terminal").exists()


def test_another_terminal_does_not_follow_a_visit_opened_elsewhere(world, console_as):
    call = world_call(world)
    call_open_at_terminal(actor=world.officer, call=call)
    other = factories.terminal(world.facility)
    assert terminal_client(other).get(reverse("calls:terminal_home")).status_code == 200
