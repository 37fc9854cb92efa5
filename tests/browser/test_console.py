"""The staff console in a real browser.

A supervisor signs in with a password and enrols a TOTP second factor (the
key is read off the page, the code computed as an authenticator app would),
decides contact requests, and closes a date that has bookings on it; an
officer signs in with an enrolled factor and runs a visit in the visit hall
from check-in to completion. Every console page is checked with axe-core in
English and Uyghur (right to left), and the strict Content-Security-Policy is
watched in normal contexts throughout.

What the pages did is read back from the database directly: the live server
runs in this process.
"""

import base64
import datetime as dt
import json
import os
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, Response, expect

from apps.accounts.models import StaffRole, User
from apps.audit.models import AuditEvent
from apps.bookings.models import AllowanceUsage, Booking, BookingStatus
from apps.bookings.services import booking_create
from apps.calls.models import Call
from apps.calls.services.calls import device_user
from apps.facilities.models import Closure, Facility, Slot
from apps.notifications.models import Message
from apps.people.models import Contact, Prisoner, Restriction, Visitor
from apps.people.services import restriction_create
from tests import factories
from tests.browser import calls
from tests.browser.conftest import (
    FAILING_IMPACTS,
    MASKED_NUMBERS_DRAWN,
    Tab,
    serious_axe_problems,
    text,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"  # what tests.factories.user sets
DESK = {"width": 1280, "height": 800}  # the console is used at a desk
AXE = Path(sys.prefix) / "npm" / "node_modules" / "axe-core" / "axe.min.js"


# --- The prison and its people -----------------------------------------------------------------


@dataclass
class Prison:
    facility: Facility
    prisoner: Prisoner
    other_prisoner: Prisoner
    supervisor: User
    officer: User
    requests: list[Contact]  # pending contact requests for ``prisoner``, oldest first
    elsewhere: Contact  # a pending request at another prison: never shown here


@pytest.fixture
def prison(transactional_db) -> Prison:
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    other = factories.facility(name="Kunlun Prison", code="kunlun")
    prisoner = factories.prisoner(facility, number="P2024200", full_name="艾力·买买提")
    other_prisoner = factories.prisoner(facility, number="P2024201", full_name="李建国")
    requests = [
        factories.contact(
            factories.visitor(full_name=name, phone=phone),
            prisoner,
            relationship=relationship,
            status=Contact.Status.PENDING,
        )
        for name, phone, relationship in (
            ("Ayshem Tursun", "+8613900000001", "spouse"),
            ("王秀英", "+8613900000002", "sibling"),
        )
    ]
    elsewhere = factories.contact(
        factories.visitor(full_name="Zhang Wei", phone="+8613900000003"),
        factories.prisoner(other, number="P2024900"),
        status=Contact.Status.PENDING,
    )
    return Prison(
        facility=facility,
        prisoner=prisoner,
        other_prisoner=other_prisoner,
        supervisor=factories.staff(facility, StaffRole.Role.SUPERVISOR, full_name="Gulnar Osman"),
        officer=factories.staff(facility, StaffRole.Role.OFFICER, full_name="Li Ming"),
        requests=requests,
        elsewhere=elsewhere,
    )


def family(prisoner: Prisoner, full_name: str, phone: str, **fields) -> Visitor:
    """An adult with an approved contact with ``prisoner``."""
    visitor = factories.visitor(full_name=full_name, phone=phone, **fields)
    factories.contact(visitor, prisoner, relationship="spouse")
    return visitor


def book(slot: Slot, prisoner: Prisoner, *visitors: Visitor) -> Booking:
    """An in-person booking made by the first visitor, through the service."""
    return booking_create(
        actor=visitors[0].user,
        slot_id=slot.pk,
        prisoner_id=prisoner.pk,
        visitor_ids=[v.pk for v in visitors],
        kind="in_person",
        idempotency_key=uuid.uuid4().hex,
    )


def visit_starting_now(facility: Facility, prisoner: Prisoner, *visitors: Visitor) -> Booking:
    """An in-person visit today that began five minutes ago (or at midnight, if later).

    The booking rules refuse a time already past, so it is booked for tomorrow
    and then moved to now, slot and booking alike.
    """
    booking = book(factories.slot(facility, days_ahead=1), prisoner, *visitors)
    zone = facility.zone
    now = timezone.now().astimezone(zone)
    midnight = dt.datetime.combine(now.date(), dt.time(0, 0), tzinfo=zone)
    starts = max(now - dt.timedelta(minutes=5), midnight)
    times = {"starts_at": starts, "ends_at": starts + dt.timedelta(minutes=45)}
    Slot.objects.filter(pk=booking.slot_id).update(date=now.date(), **times)
    Booking.objects.filter(pk=booking.pk).update(**times)
    booking.refresh_from_db()
    return booking


def another_document(visitor: Visitor) -> str:
    """A valid resident ID that is not the one the visitor registered with."""
    number = factories.resident_id(visitor.date_of_birth)
    assert number != visitor.document_number
    return number


# --- Signing in through the pages --------------------------------------------------------------


def ntext(language: str, singular: str, plural: str, count: int) -> str:
    with translation.override(language):
        return translation.ngettext(singular, plural, count) % {"count": count}


def current_code(key: bytes, device: TOTPDevice) -> str:
    return f"{totp(key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def password_step(page: Page, language: str, user: User) -> None:
    page.goto("/console/sign-in/")
    page.get_by_label(text(language, "Username"), exact=True).fill(user.username)
    page.get_by_label(text(language, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name=text(language, "Next")).click()


def sign_in_enrolling(
    page: Page, language: str, user: User, at: Callable[[str], None] = lambda name: None
) -> None:
    """First sign-in: password, then set up the authenticator from the key the page shows."""
    password_step(page, language, user)
    page.wait_for_url("**/console/enrol/")
    at("enrol")
    secret = page.locator("code.secret").inner_text().strip()
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert key == device.bin_key  # the page shows the key being enrolled
    page.get_by_label(
        text(language, "The 6-digit code from your authenticator app"), exact=True
    ).fill(current_code(key, device))
    page.get_by_role("main").get_by_role("button", name=text(language, "Confirm")).click()


def sign_in_verifying(page: Page, language: str, user: User) -> None:
    """A later sign-in: password, then the current code of the enrolled authenticator."""
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    password_step(page, language, user)
    page.wait_for_url("**/console/verify/")
    page.get_by_label(
        text(language, "The 6-digit code from your authenticator app"), exact=True
    ).fill(current_code(device.bin_key, device))
    page.get_by_role("main").get_by_role("button", name=text(language, "Sign in")).click()


def console_tab(open_tab: Callable[..., Tab], language: str, **options) -> Tab:
    tab = open_tab(language, **options)
    tab.page.set_viewport_size(DESK)
    return tab


def section(page: Page, language: str, label: str) -> None:
    """Follow a link of the console's menu."""
    menu = page.get_by_role("navigation", name=text(language, "Console"), exact=True)
    menu.get_by_role("link", name=text(language, label), exact=True).click()


def messages_say(page: Page, message: str) -> None:
    expect(page.locator("main .messages")).to_contain_text(message)


def header_follows(page: Page, direction: str) -> None:
    """The brand at the start of the header (right in RTL); the menu after it on its row, or,
    when a longer language wraps it onto a row of its own, starting from the same side."""
    assert page.evaluate("document.documentElement.dir") == direction
    header = page.get_by_role("banner").bounding_box()
    brand = page.locator("header.site-header > a.brand").bounding_box()
    first_link = page.locator("header.site-header > nav.console-nav > a").first.bounding_box()
    assert header and brand and first_link
    same_row = first_link["y"] < brand["y"] + brand["height"]
    if direction == "rtl":
        assert header["x"] + header["width"] - (brand["x"] + brand["width"]) < 24, (header, brand)
        if same_row:
            assert first_link["x"] + first_link["width"] <= brand["x"], (brand, first_link)
        else:
            assert header["x"] + header["width"] - (first_link["x"] + first_link["width"]) < 24
    else:
        assert brand["x"] - header["x"] < 24, (header, brand)
        if same_row:
            assert first_link["x"] >= brand["x"] + brand["width"], (brand, first_link)
        else:
            assert first_link["x"] - header["x"] < 24, (header, first_link)


# --- 1 and 4: sign-in, approvals, in each direction --------------------------------------------


@pytest.mark.parametrize("language", ["en", "ug", "zh-hans"])
def test_a_supervisor_signs_in_and_decides_contact_requests(language, open_tab, prison) -> None:
    def t(message: str, **params: object) -> str:
        return text(language, message) % params if params else text(language, message)

    tab = console_tab(open_tab, language)
    page = tab.page
    sign_in_enrolling(page, language, prison.supervisor)

    page.wait_for_url(f"**/console/{prison.facility.code}/")
    assert TOTPDevice.objects.get(user=prison.supervisor).confirmed
    assert AuditEvent.objects.filter(action="staff.totp_enrolled", actor=prison.supervisor).exists()
    expect(page.get_by_role("heading", level=1)).to_have_text(prison.facility.name)
    expect(page.locator(".tiles .figure").first).to_have_text("2")  # requests waiting
    header_follows(page, "rtl" if language == "ug" else "ltr")

    section(page, language, "Approvals")
    page.wait_for_url(f"**/console/{prison.facility.code}/approvals/")
    header_follows(page, "rtl" if language == "ug" else "ltr")
    queue = page.locator("ol.approval-queue > li")
    expect(queue).to_have_count(2)
    first, second = prison.requests
    expect(queue.nth(0)).to_contain_text(first.visitor.full_name)  # oldest first
    expect(queue.nth(1)).to_contain_text(second.visitor.full_name)
    expect(queue.nth(0)).to_contain_text(first.visitor.document_masked)
    main = page.get_by_role("main")
    expect(main).not_to_contain_text(prison.elsewhere.visitor.full_name)
    for contact in prison.requests:
        expect(main).not_to_contain_text(contact.visitor.document_number)

    # Approve the oldest.
    queue.nth(0).get_by_role("button", name=t("Approve"), exact=True).click()
    messages_say(
        page,
        t(
            "Approved: %(visitor)s can now book visits with %(prisoner)s.",
            visitor=first.visitor.full_name,
            prisoner=prison.prisoner.full_name,
        ),
    )
    expect(queue).to_have_count(1)
    first.refresh_from_db()
    assert first.status == Contact.Status.APPROVED
    assert first.decided_by == prison.supervisor
    approved = Message.objects.filter(recipient=first.visitor, kind=Message.Kind.CONTACT_APPROVED)
    assert approved.count() == 1  # queued for the family

    # Turn the other down: no reason at all is stopped by the browser, a blank one by the server.
    item = page.locator(f"#request-{second.pk}")
    reason = item.get_by_label(t("Reason the family will see"), exact=True)
    refuse = item.get_by_role("button", name=t("Do not approve"), exact=True)
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    refuse.click()
    assert reason.evaluate("el => el.validity.valueMissing")
    page.wait_for_timeout(100)
    assert posts == []
    reason.fill("   ")
    refuse.click()
    page.wait_for_url(f"**/approvals/{second.pk}/reject/**")
    expect(item.locator(".field.invalid .error")).to_have_text(
        t("Write the reason; the family will see it.")
    )
    second.refresh_from_db()
    assert second.status == Contact.Status.PENDING
    assert not Message.objects.filter(recipient=second.visitor).exists()

    why = "The prisoner asked not to receive this visitor."
    item.get_by_label(t("Reason the family will see"), exact=True).fill(why)
    item.get_by_role("button", name=t("Do not approve"), exact=True).click()
    page.wait_for_url(re.compile(r"/approvals/(\?.*)?$"))
    messages_say(
        page,
        t("Not approved: %(visitor)s will be told the reason.", visitor=second.visitor.full_name),
    )
    expect(queue).to_have_count(0)
    recent = page.locator("table.data tbody")
    expect(recent).to_contain_text(why)
    second.refresh_from_db()
    assert second.status == Contact.Status.REJECTED
    assert second.decision_reason == why
    rejected = Message.objects.get(recipient=second.visitor, kind=Message.Kind.CONTACT_REJECTED)
    assert rejected.params.get("reason") == why
    actions = set(
        AuditEvent.objects.filter(actor=prison.supervisor).values_list("action", flat=True)
    )
    assert {"contact.approved", "contact.rejected"} <= actions
    header_follows(page, "rtl" if language == "ug" else "ltr")
    assert tab.csp_violations == [], "\n".join(tab.csp_violations)


# --- 2: a closure that cancels bookings --------------------------------------------------------


def test_a_closure_cancels_the_bookings_it_hits(open_tab, prison) -> None:
    language = "en"
    facility = prison.facility
    slot = factories.slot(facility, days_ahead=3, start=dt.time(10, 0))
    day = slot.date
    families = {
        prison.prisoner: family(prison.prisoner, "Mary Smith", "+8613900000011"),
        prison.other_prisoner: family(prison.other_prisoner, "Aygul Tursun", "+8613900000012"),
    }
    bookings = [book(slot, prisoner, visitor) for prisoner, visitor in families.items()]
    third = factories.prisoner(facility, number="P2024202")
    untouched = book(
        factories.slot(facility, days_ahead=4),
        third,
        family(third, "Wang Fang", "+8613900000013"),
    )
    slot.refresh_from_db()
    assert slot.booked_count == 2
    usages = AllowanceUsage.objects.filter(prisoner__in=list(families))
    assert sorted(usages.values_list("used", flat=True)) == [1, 1]

    tab = console_tab(open_tab, language)
    page = tab.page
    sign_in_enrolling(page, language, prison.supervisor)
    page.wait_for_url(f"**/console/{facility.code}/")
    section(page, language, "Schedules")
    page.wait_for_url(f"**/console/{facility.code}/schedules/")
    page.get_by_role("navigation", name=text(language, "Schedules"), exact=True).get_by_role(
        "link", name=text(language, "Closures"), exact=True
    ).click()
    page.wait_for_url(f"**/console/{facility.code}/schedules/closures/")
    page.get_by_label(text(language, "Date to close"), exact=True).fill(day.isoformat())
    page.get_by_role("button", name=text(language, "Close a whole date…"), exact=True).click()

    # The confirmation says what the closure would cancel.
    page.wait_for_url(f"**/schedules/closures/new/?date={day.isoformat()}")
    expect(page.locator(".confirm-box .impact")).to_have_text(
        ntext(
            language,
            "%(count)s booking will be cancelled.",
            "%(count)s bookings will be cancelled.",
            2,
        )
    )
    listed = page.locator("table.schedule-bookings tbody tr")
    expect(listed).to_have_count(2)
    for booking in bookings:
        expect(page.locator("table.schedule-bookings")).to_contain_text(booking.reference)
    expect(page.locator("table.schedule-bookings")).not_to_contain_text(untouched.reference)

    # A closure needs a reason; without one nothing happens.
    close = page.get_by_role("button", name=text(language, "Close this date"), exact=True)
    close.click()
    expect(page.locator(".field.invalid .error")).to_have_count(1)
    assert not Closure.objects.exists()
    assert Booking.objects.filter(status=BookingStatus.BOOKED).count() == 3

    why = "Water pipes are being repaired in the visit hall."
    page.get_by_label(
        text(language, "Reason (families whose visits are cancelled will see it)"), exact=True
    ).fill(why)
    close.click()
    page.wait_for_url(f"**/console/{facility.code}/schedules/closures/")
    messages_say(
        page,
        ntext(
            language,
            "Closed. %(count)d booking was cancelled; the family will be told.",
            "Closed. %(count)d bookings were cancelled; the families will be told.",
            2,
        ),
    )
    expect(page.locator("table.data tbody")).to_contain_text(why)

    closure = Closure.objects.get()
    assert closure.date == day and closure.reason == why
    for booking in bookings:
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert booking.status_reason == why
    slot.refresh_from_db()
    assert slot.booked_count == 0
    assert sorted(usages.values_list("used", flat=True)) == [0, 0]
    for booking, visitor in zip(bookings, families.values(), strict=True):
        told = Message.objects.filter(recipient=visitor, kind=Message.Kind.CANCELLED_BY_PRISON)
        assert told.count() == 1
        assert told.get().booking == booking
    untouched.refresh_from_db()
    assert untouched.status == BookingStatus.BOOKED
    assert not Message.objects.filter(booking=untouched).exclude(kind="booked").exists()
    event = AuditEvent.objects.get(action="closure.create")
    assert sorted(event.data["cancelled"]) == sorted(b.reference for b in bookings)
    assert tab.csp_violations == [], "\n".join(tab.csp_violations)


# --- 3: a day in the visit hall ----------------------------------------------------------------


def test_a_day_in_the_visit_hall_from_check_in_to_completion(open_tab, prison) -> None:
    language = "en"
    facility = prison.facility
    mother = family(prison.prisoner, "Ayshem Tursun", "+8613900000021", born=dt.date(1970, 3, 1))
    brother = family(
        prison.prisoner,
        "Ali Tursun",
        "+8613900000022",
        born=dt.date(1990, 7, 9),
        registered_by=mother,  # so that she may bring him
    )
    booking = visit_starting_now(facility, prison.prisoner, mother, brother)
    reference = booking.reference
    wrong = another_document(mother)
    documents = [mother.document_number, brother.document_number, wrong]

    def t(message: str, **params: object) -> str:
        return text(language, message) % params if params else text(language, message)

    tab = console_tab(open_tab, language)
    page = tab.page
    sign_in_verifying(page, language, prison.officer)
    page.wait_for_url(f"**/console/{facility.code}/")
    expect(page.locator(".tiles .figure").nth(1)).to_have_text("1")  # in-person visits today
    section(page, language, "Visit hall")
    page.wait_for_url(f"**/console/{facility.code}/hall/")

    row = page.locator(f"tr[id='{reference}']")
    expect(row).to_contain_text(prison.prisoner.number)
    expect(row).to_contain_text(mother.full_name)
    expect(row).to_contain_text(mother.document_masked)
    expect(row.locator(".status")).to_have_text(t("Booked"))
    for number in documents:
        expect(page.get_by_role("main")).not_to_contain_text(number)

    # Check in: a wrong number for the mother is refused beside her name; nothing changes.
    row.get_by_role("link", name=t("Check in"), exact=True).click()
    page.wait_for_url(f"**/hall/{reference}/check-in/")
    mother_field = page.get_by_label(
        t("Document number of %(name)s", name=mother.full_name), exact=True
    )
    brother_field = page.get_by_label(
        t("Document number of %(name)s", name=brother.full_name), exact=True
    )
    mother_field.fill(wrong)
    brother_field.fill(brother.document_number)
    check_in = page.get_by_role("main").get_by_role("button", name=t("Check in"), exact=True)
    check_in.click()
    refusal = page.locator(".field.invalid .error")
    expect(refusal).to_have_count(1)
    expect(refusal).to_have_text(
        t(
            "The number typed for %(name)s does not match the identity document they registered with.",
            name=mother.full_name,
        )
    )
    expect(page.locator(".field.invalid")).to_contain_text(mother.full_name)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.BOOKED
    assert not AuditEvent.objects.filter(actor=prison.officer, action__startswith="booking.")

    mother_field.fill(mother.document_number)
    check_in.click()
    page.wait_for_url(re.compile(rf"/hall/\?date=[0-9-]+#{reference}$"))
    messages_say(page, t("Visit %(reference)s is checked in.", reference=reference))
    expect(row.locator(".status")).to_have_text(t("Checked in"))

    row.get_by_role("button", name=t("Start the visit"), exact=True).click()
    expect(row.locator(".status")).to_have_text(t("In progress"))
    row.get_by_role("button", name=t("Completed"), exact=True).click()
    expect(row.locator(".status")).to_have_text(t("Completed"))
    messages_say(
        page,
        t(
            "Visit %(reference)s is now marked “%(status)s”.",
            reference=reference,
            status=t("Completed"),
        ),
    )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.status_changed_by == prison.officer
    events = AuditEvent.objects.filter(target_type="bookings.booking", target_id=str(booking.pk))
    assert list(events.order_by("at", "pk").values_list("action", "actor")) == [
        ("booking.create", mother.user_id),
        ("booking.checked_in", prison.officer.pk),
        ("booking.in_progress", prison.officer.pk),
        ("booking.completed", prison.officer.pk),
    ]
    for event in AuditEvent.objects.all():
        recorded = json.dumps(model_to_dict(event), ensure_ascii=False, default=str)
        for number in documents:
            assert number not in recorded, (event.action, recorded)

    # The print-friendly list of the day.
    page.get_by_role("link", name=t("Print the day"), exact=True).click()
    page.wait_for_url(f"**/console/{facility.code}/hall/print/?date=*")
    sheet = page.locator("table.print-day tbody tr")
    expect(sheet).to_have_count(1)
    for shown in (reference, prison.prisoner.number, mother.full_name, brother.full_name):
        expect(sheet).to_contain_text(shown)
    expect(sheet).to_contain_text(brother.document_masked)
    for number in documents:
        expect(page.get_by_role("main")).not_to_contain_text(number)
    page.emulate_media(media="print")
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.locator("table.print-day")).to_be_visible()
    assert tab.csp_violations == [], "\n".join(tab.csp_violations)


# --- 5: every console page: accessibility and the Content-Security-Policy ----------------------


@dataclass
class Busy:
    prison: Prison
    closing: dt.date  # a date with two bookings, to preview its closure
    visit: Booking  # today's visit in the hall
    visitor: Visitor  # its visitor


@pytest.fixture
def busy(prison) -> Busy:
    """The prison with something on every page: bookings, today's visit, a restriction."""
    facility = prison.facility
    slot = factories.slot(facility, days_ahead=3)
    book(slot, prison.prisoner, family(prison.prisoner, "Mary Smith", "+8613900000031"))
    visitor = family(prison.other_prisoner, "Aygul Tursun", "+8613900000032")
    book(slot, prison.other_prisoner, visitor)
    factories.slot(facility, days_ahead=5, video=True)
    visit = visit_starting_now(facility, prison.other_prisoner, visitor)
    restriction_create(
        actor=prison.supervisor,
        facility_id=facility.pk,
        kind=Restriction.Kind.NO_VIDEO,
        starts_at=timezone.now(),
        ends_at=timezone.now() + dt.timedelta(days=30),
        reason="Misused a video visit.",
        visitor=visitor,
    )
    return Busy(prison=prison, closing=slot.date, visit=visit, visitor=visitor)


def walk_console_pages(
    page: Page, language: str, busy: Busy, check: Callable[[str], None]
) -> list[str]:
    """Visits each console page a supervisor sees, calling ``check(name)`` on each."""
    seen: list[str] = []
    code = busy.prison.facility.code
    console = f"/console/{code}"

    def at(name: str) -> None:
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.lang") == language, name
        seen.append(name)
        check(name)

    def submit() -> None:
        page.get_by_role("main").locator("button[type=submit]").first.click()

    page.goto("/console/sign-in/")
    at("sign in")
    sign_in_enrolling(page, language, busy.prison.supervisor, at)
    page.wait_for_url(f"**{console}/")
    at("dashboard")

    page.goto(f"{console}/approvals/")
    at("approvals")
    waiting = busy.prison.requests[0]
    page.locator(f"#request-{waiting.pk} textarea").fill(" ")
    page.locator(f"#request-{waiting.pk} button.danger").click()
    expect(page.locator(".field.invalid")).to_have_count(1)
    at("approvals, reason missing")
    page.locator(f"#request-{waiting.pk} button.primary").click()
    expect(page.locator("main .messages")).to_have_count(1)
    at("approvals, one approved")

    page.goto(f"{console}/schedules/")
    at("schedules: weekly times")
    page.goto(f"{console}/schedules/slots/")
    at("schedules: coming days")
    page.goto(f"{console}/schedules/closures/")
    at("schedules: closures")
    page.goto(f"{console}/schedules/closures/new/?date={busy.closing.isoformat()}")
    expect(page.locator("table.schedule-bookings tbody tr")).to_have_count(2)
    at("closure confirm")
    page.locator("button.danger").click()
    expect(page.locator(".field.invalid")).to_have_count(1)
    at("closure confirm, reason missing")

    page.goto(f"{console}/hall/")
    at("visit hall")
    reference = busy.visit.reference
    page.goto(f"{console}/hall/{reference}/check-in/")
    at("check-in")
    page.locator(f"[name=visitor_{busy.visitor.pk}]").fill(another_document(busy.visitor))
    submit()
    expect(page.locator(".field.invalid")).to_have_count(1)
    at("check-in, wrong number")
    page.goto(f"{console}/hall/print/")
    at("print the day")

    page.goto(f"{console}/prisoners/")
    at("prisoners")
    page.goto(f"{console}/prisoners/{busy.prison.prisoner.pk}/")
    at("prisoner")
    page.goto(f"{console}/restrictions/")
    at("restrictions")
    page.goto(f"{console}/restrictions/new/")
    at("new restriction")
    page.goto(f"{console}/audit/")
    at("audit trail")
    return seen


@pytest.mark.parametrize("language", ["en", "ug"])
def test_no_serious_accessibility_problem_on_any_console_page(language, open_tab, busy) -> None:
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run scripts/setup.sh (it runs npm install)."
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " CI needs the accessibility tests.")
        pytest.skip(reason)
    axe_source = AXE.read_text(encoding="utf-8")
    tab = console_tab(open_tab, language, bypass_csp=True)
    page = tab.page
    problems: list[str] = []

    def check(name: str) -> None:
        page.add_script_tag(content=axe_source)
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        for review in result["incomplete"]:  # what axe could not decide: shown, not failed
            if review["impact"] in FAILING_IMPACTS:
                for node in review["nodes"]:
                    print(
                        f"review: {name}: {review['id']} [{review['impact']}] at {node['target']}"
                    )
        problems.extend(serious_axe_problems(name, page.url, result))

    seen = walk_console_pages(page, language, busy, check)
    assert len(seen) >= 20, seen
    if language == "ug":
        header_follows(page, "rtl")
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


def test_the_content_security_policy_holds_on_every_console_page(open_tab, busy) -> None:
    tab = console_tab(open_tab, "ug")
    page = tab.page
    documents: list[Response] = []

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document":
            documents.append(response)

    page.on("response", on_response)
    seen = walk_console_pages(page, "ug", busy, lambda name: None)

    assert tab.csp_violations == [], "\n".join(tab.csp_violations)
    pages = [r for r in documents if r.headers.get("content-type", "").startswith("text/html")]
    assert len(pages) >= len(seen)
    for response in pages:
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, response.url
        assert "unsafe" not in policy, (response.url, policy)


# --- Known problems, found by the checks above: each flips to a failure once fixed ------------


# Where each masked document number in <main> is drawn: "as written" when its
# first character is left of its last one, as on the card the visitor hands over.
def test_masked_document_numbers_read_as_written_right_to_left(open_tab, prison) -> None:
    visitor = family(prison.prisoner, "Aygul Tursun", "+8613900000041")
    booking = visit_starting_now(prison.facility, prison.prisoner, visitor)
    tab = console_tab(open_tab, "ug")
    page = tab.page
    sign_in_verifying(page, "ug", prison.supervisor)
    page.wait_for_url(f"**/console/{prison.facility.code}/")
    console = f"/console/{prison.facility.code}"
    reversed_: list[str] = []
    for path in ("approvals/", "hall/", f"hall/{booking.reference}/check-in/", "hall/print/"):
        page.goto(f"{console}/{path}")
        drawn = page.evaluate(MASKED_NUMBERS_DRAWN)
        assert drawn, path
        reversed_ += [f"{path}: {where}" for where, as_written in drawn if not as_written]
    assert not reversed_, "masked numbers drawn reversed:\n" + "\n".join(reversed_)


# Every id that an aria-describedby or aria-labelledby names, and whether it is on the page.
MISSING_ARIA_REFERENCES = """() => [...document.querySelectorAll("[aria-describedby], [aria-labelledby]")]
  .flatMap((el) => ["aria-describedby", "aria-labelledby"].flatMap((name) =>
    (el.getAttribute(name) || "").split(/\\s+/).filter((id) => id && !document.getElementById(id))
      .map((id) => `${el.tagName.toLowerCase()}#${el.id} ${name}=${id}`)))"""


def test_every_aria_reference_names_an_element_on_the_page(open_tab, prison) -> None:
    visitor = family(prison.prisoner, "Aygul Tursun", "+8613900000051")
    booking = visit_starting_now(prison.facility, prison.prisoner, visitor)
    tab = console_tab(open_tab, "en")
    page = tab.page
    sign_in_verifying(page, "en", prison.supervisor)
    page.wait_for_url(f"**/console/{prison.facility.code}/")
    console = f"/console/{prison.facility.code}"
    missing: list[str] = []
    for path in (f"hall/{booking.reference}/check-in/", "restrictions/new/"):
        page.goto(f"{console}/{path}")
        missing += [f"{path}: {where}" for where in page.evaluate(MISSING_ARIA_REFERENCES)]
    assert not missing, "aria references to nothing:\n" + "\n".join(missing)


# --- An officer opens a video visit on the terminal's screen ------------------------------------


@pytest.mark.parametrize("language", ["en", "ug"])
def test_the_terminal_follows_a_visit_an_officer_opens(
    language, open_tab, live_server, prison
) -> None:
    visitor = family(prison.prisoner, "Aygul Tursun", "+8613900000061")
    visit = calls.video_visit(prison.facility, prison.prisoner, visitor)
    elsewhere = factories.terminal(prison.facility, name="Wing B terminal")

    def terminal_tab(terminal) -> Page:
        tab = console_tab(open_tab, language)
        session = calls.session_for(device_user(terminal))
        tab.page.context.add_cookies(
            [{"name": "sessionid", "value": session, "url": live_server.url}]
        )
        return tab.page

    terminal, other = terminal_tab(visit.terminal), terminal_tab(elsewhere)
    for page in (terminal, other):
        page.goto("/terminal/")
        expect(page).to_have_url(re.compile(r"/terminal/$"))

    officer = console_tab(open_tab, language).page
    sign_in_verifying(officer, language, prison.officer)
    officer.wait_for_url(f"**/console/{prison.facility.code}/")
    officer.goto(f"/console/{prison.facility.code}/video/")
    row = officer.locator(f'tr[id="{visit.reference}"]')
    opening = text(language, "Open on %(terminal)s") % {"terminal": visit.terminal.name}
    row.get_by_role("button", name=opening, exact=True).click()
    messages_say(
        officer,
        text(language, "Visit %(reference)s is opening on %(terminal)s.")
        % {"reference": visit.reference, "terminal": visit.terminal.name},
    )
    opened_at = Call.objects.get(pk=visit.call.pk).opened_at_terminal_at
    assert opened_at is not None
    since = opened_at.astimezone(prison.facility.zone).strftime("%H:%M")
    expect(row).to_contain_text(
        text(language, "On the terminal's screen since %(time)s") % {"time": since}
    )

    # The terminal's list reloads by itself and goes straight to the opened visit.
    terminal.wait_for_url(f"**{visit.terminal_path}", timeout=25_000)
    assert terminal.evaluate("document.documentElement.dir") == (
        "rtl" if language == "ug" else "ltr"
    )
    # The other terminal, reloaded since, still shows its own list.
    other.reload()
    expect(other).to_have_url(re.compile(r"/terminal/$"))
