"""A family's whole journey in a real browser, in each language.

Sign in by SMS code, tell who they are, ask to visit a relative, get approved
by an officer (through the service), book an in-person visit in the calendar,
see the confirmation, download the .ics, find it in "My visits", cancel it.
Elements are found by their role and their text in the page's language, or
by stable URLs; nothing in the templates exists for the tests' sake.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf.locale import LANG_INFO
from playwright.sync_api import Page, expect

from apps.accounts.models import StaffRole
from apps.bookings.models import Booking, BookingStatus
from apps.people.models import Contact
from apps.people.services import contact_decide
from lib.identity import normalize_document, resident_id_birth_date, resident_id_check_digit
from lib.references import format_reference
from tests import factories
from tests.browser import calls
from tests.browser.conftest import MASKED_NUMBERS_DRAWN, text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def resident_id(sequence: str) -> str:
    """A valid resident ID for someone born on 31 December 1949 in Beijing."""
    first17 = f"11010519491231{sequence}"
    return first17 + resident_id_check_digit(first17)


# language: (phone as typed, resident ID, family's name, prisoner's number and name)
JOURNEYS = {
    "zh-hans": ("139 1234 5671", resident_id("002"), "王秀英", "P2024001", "李建国"),
    "ug": ("139 1234 5672", resident_id("013"), "ئايگۈل تۇرسۇن", "P2024002", "艾力·买买提"),
    "en": ("139 1234 5673", resident_id("024"), "Mary Smith", "P2024003", "John Smith"),
}
# The browser starts in another language, so that the header's switch matters.
START_IN = {"zh-hans": "en", "ug": "en", "en": "zh-hans"}


def test_the_resident_ids_are_valid_and_distinct() -> None:
    ids = [journey[1] for journey in JOURNEYS.values()]
    assert ids[0] == "11010519491231002X"
    assert len(set(ids)) == len(ids)
    for number in ids:
        assert normalize_document("resident_id", number) == number
        assert resident_id_birth_date(number) == dt.date(1949, 12, 31)


def header_is_laid_out(page: Page, direction: str) -> int:
    """The header's first child (the brand) sits at the start side: right in RTL, left in LTR,
    and comes before the later children that share its row."""
    assert page.evaluate("document.documentElement.dir") == direction
    header = page.get_by_role("banner")
    box = header.bounding_box()
    children = [child.bounding_box() for child in header.locator(":scope > *").all()]
    brand, later = children[0], children[1:]
    assert box and brand and all(later)
    brand_end = brand["x"] + brand["width"]
    if direction == "rtl":
        assert box["x"] + box["width"] - brand_end < 24, (box, brand)
        assert brand["x"] > box["x"] + box["width"] / 2, (box, brand)
    else:
        assert brand["x"] - box["x"] < 24, (box, brand)
        assert brand_end < box["x"] + box["width"] / 2, (box, brand)
    same_row = [b for b in later if b and b["y"] < brand["y"] + brand["height"] / 2]
    for other in same_row:
        if direction == "rtl":
            assert other["x"] + other["width"] <= brand["x"], (brand, other)
        else:
            assert other["x"] >= brand_end, (brand, other)
    return len(same_row)


@pytest.mark.parametrize("language", list(JOURNEYS))
def test_a_family_signs_in_asks_books_downloads_and_cancels(
    language, open_tab, live_server, sms_code, tmp_path: Path
):
    typed_phone, document, family_name, number, prisoner_name = JOURNEYS[language]
    phone = "+86" + typed_phone.replace(" ", "")
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    factories.facility(name="Kunlun Prison", code="kunlun")
    prisoner = factories.prisoner(facility, number=number, full_name=prisoner_name)
    slot = factories.slot(facility, days_ahead=3)
    officer = factories.staff(facility, StaffRole.Role.OFFICER)

    def t(message: str) -> str:
        return text(language, message)

    tab = open_tab(START_IN[language])
    page = tab.page

    # Home page, in the browser's language; the family switches in the header.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", START_IN[language])
    page.get_by_role("banner").get_by_role(
        "button", name=LANG_INFO[language]["name_local"], exact=True
    ).click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert header_is_laid_out(page, "rtl" if language == "ug" else "ltr") >= 1

    # Sign in with a code sent by SMS.
    page.get_by_role("banner").get_by_role("link", name=t("Sign in"), exact=True).click()
    page.get_by_label(t("Mobile phone number"), exact=True).fill(typed_phone)
    page.get_by_role("button", name=t("Send me a code")).click()
    page.wait_for_url("**/family/sign-in/code/")
    page.get_by_label(t("The 6-digit code from the SMS"), exact=True).fill(sms_code(phone))
    page.get_by_role("main").get_by_role("button", name=t("Sign in"), exact=True).click()

    # First time: who they are.
    page.wait_for_url("**/family/profile/")
    expect(page.get_by_label(t("Language for messages"), exact=True)).to_have_value(language)
    page.get_by_label(t("Full name, as on your identity document"), exact=True).fill(family_name)
    page.get_by_label(t("Date of birth"), exact=True).fill("1949-12-31")
    page.get_by_label(t("Identity document"), exact=True).select_option("resident_id")
    page.get_by_label(t("Document number"), exact=True).fill(document)
    page.get_by_role("button", name=t("Save"), exact=True).click()

    # Ask to visit the relative; the request waits for the prison.
    page.wait_for_url("**/family/contacts/new/")
    page.get_by_label(t("Prison"), exact=True).select_option(label="Tianshan Prison")
    page.get_by_label(t("Prisoner number"), exact=True).fill(number)
    page.get_by_label(t("Prisoner's full name"), exact=True).fill(prisoner_name)
    page.get_by_label(t("You are the prisoner's"), exact=True).select_option("spouse")
    page.get_by_role("button", name=t("Send the request")).click()
    page.wait_for_url(re.compile(r"/family/$"))
    expect(page.get_by_role("main")).to_contain_text(t(Contact.Status.PENDING.label))
    expect(page.get_by_role("link", name=t("In-person visit"), exact=True)).to_have_count(0)

    # An officer approves it.
    contact = Contact.objects.get(visitor__phone=phone, prisoner=prisoner)
    contact_decide(actor=officer, contact=contact, status=Contact.Status.APPROVED)
    page.reload()

    # Book: kind, date in the calendar, time, who comes.
    page.get_by_role("link", name=t("In-person visit"), exact=True).click()
    page.wait_for_url(f"**/family/book/{prisoner.pk}/?kind=in_person")
    expect(page.get_by_role("main")).to_contain_text(facility.time_zone)
    page.locator(f'.calendar a[href*="date={slot.date.isoformat()}"]').click()
    choose = page.locator(f'#times a[href$="/family/book/{prisoner.pk}/time/{slot.pk}/"]')
    expect(choose).to_be_visible()
    expect(page).to_have_url(re.compile(rf"date={slot.date.isoformat()}"))  # htmx pushed it
    page.screenshot(path=tmp_path / f"booking-{language}.png", full_page=True)
    choose.click()
    page.wait_for_url(f"**/family/book/{prisoner.pk}/time/{slot.pk}/")
    expect(page.get_by_label(family_name)).to_be_checked()
    page.get_by_role("button", name=t("Book this visit")).click()

    # The confirmation: the reference and what to bring.
    page.wait_for_url(re.compile(r"/family/visits/[A-Z0-9]{8}/$"))
    booking = Booking.objects.get(prisoner=prisoner)
    reference = format_reference(booking.reference)
    expect(page.locator(".reference")).to_contain_text(reference)
    expect(page.get_by_role("main")).to_contain_text(t("What to bring"))

    # The calendar file.
    with page.expect_download() as download:
        page.get_by_role("link", name=t("Add to my calendar (.ics)")).click()
    ics = Path(download.value.path()).read_text(encoding="utf-8").replace("\r\n ", "")
    assert download.value.suggested_filename == f"visit-{booking.reference}.ics"
    assert "BEGIN:VCALENDAR" in ics and "BEGIN:VEVENT" in ics
    assert reference in ics

    # My visits lists it as coming; open it and cancel it.
    page.get_by_role("banner").get_by_role("link", name=t("My visits"), exact=True).click()
    page.wait_for_url("**/family/visits/")
    listed = page.locator(f'a[href$="/family/visits/{booking.reference}/"]')
    entry = page.get_by_role("main").get_by_role("listitem").filter(has=listed)
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(t(BookingStatus.BOOKED.label))
    entry.get_by_role("link").click()
    page.get_by_role("link", name=t("Cancel this visit")).click()
    page.wait_for_url(f"**/family/visits/{booking.reference}/cancel/")
    page.get_by_role("button", name=t("Yes, cancel it")).click()
    page.wait_for_url(f"**/family/visits/{booking.reference}/")
    expect(page.locator("main p.status")).to_contain_text(t(BookingStatus.CANCELLED.label))
    expect(page.get_by_role("link", name=t("Cancel this visit"))).to_have_count(0)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED

    page.get_by_role("banner").get_by_role("link", name=t("My visits"), exact=True).click()
    page.wait_for_url("**/family/visits/")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(t(BookingStatus.CANCELLED.label))
    header_is_laid_out(page, "rtl" if language == "ug" else "ltr")
    assert tab.csp_violations == []


@pytest.mark.parametrize("language", ["en", "ug"])
def test_a_relative_agrees_to_come_with_another_family_and_takes_it_back(
    language, open_tab, live_server
):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility, full_name="艾力·买买提")
    first, second = factories.slot(facility, days_ahead=3), factories.slot(facility, days_ahead=4)
    host_phone = "+8613912340001"
    host = factories.visitor(
        full_name="Ayshem Tursun", phone=host_phone, user=factories.user(username=host_phone)
    )
    member = factories.visitor(full_name="Aygul Tursun", phone="+8613912340002")
    for visitor in (host, member):
        factories.contact(visitor, prisoner, relationship="sibling")

    def t(message: str) -> str:
        return text(language, message)

    def signed_in(visitor) -> Page:
        page = open_tab(language).page
        session = calls.session_for(visitor.user)
        page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        return page

    host_page, member_page = signed_in(host), signed_in(member)
    choose_at = f"/family/book/{prisoner.pk}/time/{{}}/"
    who_is_coming = host_page.get_by_role("group", name=t("Who is coming"))

    # Before the member agrees, the host cannot pick them.
    host_page.goto(choose_at.format(first.pk))
    expect(who_is_coming.get_by_label("Ayshem Tursun", exact=True)).to_be_checked()
    expect(who_is_coming.get_by_label("Aygul Tursun", exact=True)).to_have_count(0)

    # The member agrees, typing the number as a Chinese input method gives it.
    member_page.goto("/family/")
    member_page.get_by_role("link", name=t("Coming with another family"), exact=True).click()
    member_page.get_by_label(t("Mobile number of the family member who books"), exact=True).fill(
        "１３９ １２３４ ０００１"
    )
    member_page.get_by_role("button", name=t("Agree to come with them"), exact=True).click()
    expect(member_page.locator("main .messages")).to_contain_text(
        t(
            "Saved. If this number belongs to a family registered here, "
            "they can now choose you when they book a visit."
        )
    )
    take_back = member_page.get_by_role("button", name=t("Take it back"), exact=True)
    agreed = member_page.get_by_role("main").get_by_role("listitem").filter(has=take_back)
    expect(agreed).to_have_count(1)
    expect(agreed).to_contain_text("+86139****0001")
    expect(agreed).not_to_contain_text(host_phone)
    expect(agreed).not_to_contain_text("Ayshem")
    assert member_page.evaluate("document.documentElement.dir") == (
        "rtl" if language == "ug" else "ltr"
    )
    assert [as_written for _, as_written in member_page.evaluate(MASKED_NUMBERS_DRAWN)] == [True]

    # Now the host can bring the member, and books them both.
    host_page.reload()
    who_is_coming.get_by_label("Aygul Tursun", exact=True).check()
    host_page.get_by_role("button", name=t("Book this visit"), exact=True).click()
    host_page.wait_for_url(re.compile(r"/family/visits/[^/]+/$"))
    booking = Booking.objects.get(slot=first)
    assert set(booking.visitors.values_list("full_name", flat=True)) == {
        "Ayshem Tursun",
        "Aygul Tursun",
    }

    # The member takes it back: the host can no longer choose them for a new visit.
    take_back.click()
    expect(member_page.locator("main .messages")).to_contain_text(
        t("Withdrawn. They can no longer choose you for a new visit.")
    )
    expect(agreed).to_have_count(0)
    host_page.goto(choose_at.format(second.pk))
    expect(who_is_coming.get_by_label("Ayshem Tursun", exact=True)).to_be_checked()
    expect(who_is_coming.get_by_label("Aygul Tursun", exact=True)).to_have_count(0)
