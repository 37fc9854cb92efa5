"""The CSV roster import: a dry run that reports every row, all-or-nothing, idempotent."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.facilities.models import Slot
from apps.notifications.models import Message
from apps.people.models import Prisoner
from apps.people.services import roster_import
from tests import factories

HEADER = "number,full_name,unit,level,legal_status,sentence_start,sentence_end,status\n"


@pytest.fixture
def levels(world):
    return (
        factories.level(world.facility, code="standard", name="Standard"),
        factories.level(world.facility, code="strict", name="Strict"),
    )


def run(world, text, dry_run=False, actor=None):
    return roster_import(
        actor=actor or world.administrator, facility=world.facility, csv_text=text, dry_run=dry_run
    )


def outcomes(report):
    return [(row.row, row.number, str(row)) for row in report.rows]


def snapshot(world):
    return (
        list(Prisoner.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
        Booking.objects.filter(status=BookingStatus.CANCELLED).count(),
    )


def roster(world):
    p = world.prisoner
    return HEADER + (
        "A1001,Alimjan Tohti,3,standard,sentenced,2023-04-01,2027-03-31,in_custody\n"
        '"A1002","Zhang, Wei",5,strict,remand,,,\n'
        f"{p.number},{p.full_name},7,{p.level.code},sentenced,"
        f"{p.sentence_start.isoformat()},{p.sentence_end.isoformat()},in_custody\n"
    )


def test_a_dry_run_reports_every_row_and_writes_nothing(world, levels):
    before = snapshot(world)
    report = run(world, roster(world), dry_run=True)
    assert outcomes(report) == [
        (2, "A1001", "create"),
        (3, "A1002", "create"),
        (4, world.prisoner.number, "update: unit"),
    ]
    assert not report.has_errors and not report.applied
    assert snapshot(world) == before


def test_a_real_run_applies_in_one_go_and_is_audited_once(world, levels):
    report = run(world, roster(world))
    assert report.applied
    created = Prisoner.objects.get(facility=world.facility, number="A1002")
    assert (created.full_name, created.level, created.legal_status) == (
        "Zhang, Wei",
        levels[1],
        "remand",
    )
    assert created.status == Prisoner.Status.IN_CUSTODY  # the default for an empty status
    world.prisoner.refresh_from_db()
    assert world.prisoner.unit == "7"
    event = AuditEvent.objects.get(action="roster.import")
    assert (event.data["created"], event.data["updated"], event.data["unchanged"]) == (2, 1, 0)
    assert event.facility_id == world.facility.pk


def test_importing_the_same_file_twice_changes_nothing(world, levels):
    run(world, roster(world))
    before = list(Prisoner.objects.order_by("pk").values())
    report = run(world, roster(world))
    assert [str(row) for row in report.rows] == ["unchanged"] * 3
    assert list(Prisoner.objects.order_by("pk").values()) == before


def test_numbers_match_whatever_their_case(world, levels):
    text = roster(world).replace(world.prisoner.number, world.prisoner.number.lower())
    report = run(world, text, dry_run=True)
    assert outcomes(report)[2] == (4, world.prisoner.number, "update: unit")


def test_a_full_width_number_is_stored_as_a_family_types_it(world, levels):
    text = HEADER + "Ｈ３ＦＷ１,Ablimit Rozi,1,standard,sentenced,2020-01-01,,\n"
    report = run(world, text)
    assert report.applied and outcomes(report) == [(2, "H3FW1", "create")]
    assert Prisoner.objects.filter(number="H3FW1").exists()


BROKEN = [
    ("B1,Unknown Level,1,golden,sentenced,2020-01-01,,", "no level “golden”"),
    (
        "B2,Bad Date,1,standard,sentenced,2020-13-01,,",
        "“2020-13-01” in sentence_start is not a date",
    ),
    (
        "B3,Not ISO,1,standard,sentenced,01/02/2020,,",
        "“01/02/2020” in sentence_start is not a date",
    ),
    ("B4,Ends Early,1,standard,sentenced,2020-01-01,2019-01-01,", "must end after it starts"),
    ("B5,,1,standard,sentenced,2020-01-01,,", "The column full_name is empty."),
    ("B6,No Status,1,standard,pardoned,2020-01-01,,", "“pardoned” is not a legal_status"),
    ("B7,Too Many,1,standard,sentenced,2020-01-01,,,extra", "This row has 9 values"),
    ("B8,Too Few,1,standard", "This row has 4 values"),
    ("B9,No Start,1,standard,sentenced,,,", "needs the date the sentence started"),
    (",No Number,1,standard,sentenced,2020-01-01,,", "The column number is empty."),
    ("B10,Odd Status,1,standard,sentenced,2020-01-01,,escaped", "“escaped” is not a status"),
    ("B11,No Level,1,,sentenced,2020-01-01,,", "The column level is empty."),
    # A "/" could never be read back through the API's /prisoners/<number>/ paths.
    ("B12/3,Slash,1,standard,sentenced,2020-01-01,,", "only letters, digits and hyphens"),
    ("B13,Far Future,1,standard,sentenced,9999-12-31,,", "must fall between 1950-01-01"),
    ("B14,Year One,1,standard,sentenced,2020-01-01,0001-01-02,", "must fall between 1950-01-01"),
]


def test_each_broken_row_is_named_and_nothing_is_written(world, levels):
    good = "G1,Good Row,1,standard,sentenced,2020-01-01,,\n"
    text = HEADER + good + "".join(line + "\n" for line, _message in BROKEN)
    before = snapshot(world)
    for dry_run in (True, False):
        report = run(world, text, dry_run=dry_run)
        assert report.has_errors and not report.applied
        assert str(report.rows[0]) == "create"
        for row, (_line, message) in zip(report.rows[1:], BROKEN, strict=True):
            assert str(row).startswith("error: ")
            assert message in str(row), (row, message)
        assert [row.row for row in report.rows] == list(range(2, 3 + len(BROKEN)))
    assert snapshot(world) == before


def test_duplicate_numbers_name_both_rows(world, levels):
    text = HEADER + (
        "D1,First,1,standard,sentenced,2020-01-01,,\n"
        "D2,Other,1,standard,sentenced,2020-01-01,,\n"
        "d1,Second,1,standard,sentenced,2020-01-01,,\n"
    )
    report = run(world, text)
    first, other, second = report.rows
    assert "D1 appears more than once in the file (lines 2, 4)" in str(first)
    assert "D1 appears more than once in the file (lines 2, 4)" in str(second)
    assert str(other) == "create"
    assert not report.applied
    assert not Prisoner.objects.filter(number__in=["D1", "D2"]).exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The file is empty."),
        ("  \n\n", "The file is empty."),
        (HEADER, "no prisoners"),
        ("number,name,unit\nA1,B,C\n", "Unknown: name. Missing: full_name, level"),
        (
            'number,full_name,unit,level,legal_status,sentence_start,sentence_end\n"A1,open',
            "cannot be read as CSV",
        ),
        (
            "number,full_name,unit,level,legal_status,sentence_start,sentence_end\nA\x00,x\n",
            "Line 2 holds a NUL byte",
        ),
        (HEADER + '"A1"x,y\n', "Line 2 cannot be read as CSV"),
    ],
)
def test_a_broken_file_is_refused_whole(world, levels, text, message):
    before = snapshot(world)
    report = run(world, text)
    assert not report.applied and report.has_errors
    assert any(message in error for error in report.file_errors), report.file_errors
    assert snapshot(world) == before


def test_a_spreadsheet_byte_order_mark_and_header_case_are_accepted(world, levels):
    text = "\ufeff" + HEADER.upper() + "C1,With Bom,1,standard,remand,,,\n"
    assert outcomes(run(world, text, dry_run=True)) == [(2, "C1", "create")]


def test_a_release_in_the_file_cancels_future_bookings(world, levels):
    booking = booking_create(
        actor=world.family.user,
        slot_id=factories.slot(world.facility).pk,
        prisoner_id=world.prisoner.pk,
        visitor_ids=[world.family.pk],
        kind="in_person",
        idempotency_key=uuid.uuid4().hex,
    )
    text = roster(world).replace("in_custody\n", "released\n")
    dry = run(world, text, dry_run=True)
    assert str(dry.rows[2]) == "update: unit, status"
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.BOOKED
    report = run(world, text)
    assert report.cancelled == [booking.reference]
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert Slot.objects.get(pk=booking.slot_id).booked_count == 0
    assert AllowanceUsage.objects.get(pk=booking.allowance_usage_id).used == 0
    message = Message.objects.get(kind="cancelled_by_prison", booking=booking)
    assert message.params["reason"] == "The prisoner has been released."
    world.prisoner.refresh_from_db()
    assert world.prisoner.status == Prisoner.Status.RELEASED
    assert AuditEvent.objects.get(action="roster.import").data["cancelled"] == [booking.reference]


def test_only_an_administrator_may_import(world, levels):
    for actor in (world.supervisor, world.officer, world.other_officer, world.family.user):
        with pytest.raises(PermissionDenied):
            run(world, roster(world), dry_run=True, actor=actor)


# The console page ---------------------------------------------------------------------------


def upload(browser, world, content: bytes, name="roster.csv"):
    return browser.post(
        reverse("console:roster_import", args=[world.facility.code]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_upload_check_then_apply(world, levels, console_as):
    browser = console_as(world.administrator)
    before = snapshot(world)
    response = upload(browser, world, roster(world).encode())
    assert response.status_code == 200
    assert "update: unit" in response.text and "Apply" in response.text
    assert snapshot(world) == before
    digest = response.context["apply_form"].initial["digest"]
    apply_url = reverse("console:roster_import_apply", args=[world.facility.code])
    # Apply names the file it checked: a stale or forged digest applies nothing.
    response = browser.post(apply_url, {"digest": "0" * 64})
    assert response.status_code == 302
    assert snapshot(world) == before
    response = browser.post(apply_url, {"digest": digest})
    assert response["Location"] == reverse("console:prisoners", args=[world.facility.code])
    assert Prisoner.objects.filter(number__in=["A1001", "A1002"]).count() == 2
    assert AuditEvent.objects.filter(action="roster.import").count() == 1
    # Applied once: the same digest does not apply a second time.
    browser.post(apply_url, {"digest": digest})
    assert AuditEvent.objects.filter(action="roster.import").count() == 1


def test_a_file_with_errors_offers_no_apply(world, levels, console_as):
    browser = console_as(world.administrator)
    response = upload(browser, world, (HEADER + BROKEN[0][0] + "\n").encode())
    assert "Nothing was written" in response.text
    assert "no level “golden”" in response.text
    assert response.context["apply_form"] is None
    assert reverse("console:roster_import_apply", args=[world.facility.code]) not in response.text
    assert "roster_import:tianshan" not in browser.session


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("名字".encode("gb18030"), "not UTF-8"),
        (b"", "The submitted file is empty."),
        (b"x" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_a_bad_upload_is_refused_on_the_page(world, levels, console_as, content, message):
    before = snapshot(world)
    response = upload(console_as(world.administrator), world, content)
    assert response.status_code == 200
    assert message in response.text
    assert snapshot(world) == before
