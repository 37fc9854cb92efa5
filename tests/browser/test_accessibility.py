"""Every family page, checked in a real browser: axe-core finds no serious or
critical accessibility problem, and the strict Content-Security-Policy holds
(no script, style or other resource is refused on any page).

axe-core comes from npm (scripts/setup.sh puts it in the virtual environment).
The site's policy refuses injected scripts, so the axe walk runs in a context
that bypasses CSP; the CSP walk runs in a normal one.
"""

import datetime as dt
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect

from apps.accounts.models import StaffRole, User
from apps.bookings.models import Booking
from apps.facilities.models import Facility, Slot
from apps.people.models import Contact, Prisoner
from apps.people.services import contact_decide
from tests import factories
from tests.browser.conftest import serious_axe_problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(sys.prefix) / "npm" / "node_modules" / "axe-core" / "axe.min.js"
PHONE_TYPED = "139 8765 4321"
PHONE = "+8613987654321"
DOCUMENT = "11010519491231002X"


@dataclass
class Place:
    facility: Facility
    prisoner: Prisoner
    slot: Slot
    officer: User


@pytest.fixture
def place(transactional_db) -> Place:
    facility = factories.facility(
        name="Tianshan Prison",
        code="tianshan",
        what_to_bring="A warm coat in winter.",
    )
    factories.facility(name="Kunlun Prison", code="kunlun")
    prisoner = factories.prisoner(facility, number="P2024100", full_name="艾力·买买提")
    slot = factories.slot(facility, days_ahead=3)
    factories.slot(facility, days_ahead=3, start=dt.time(14, 0), capacity=1)
    Slot.objects.filter(date=slot.date, starts_at__hour__gt=slot.starts_at.hour).update(
        booked_count=1
    )  # a full time beside an open one, so the times list shows a reason too
    factories.slot(facility, days_ahead=4, video=True)
    officer = factories.staff(facility, StaffRole.Role.OFFICER)
    return Place(facility=facility, prisoner=prisoner, slot=slot, officer=officer)


def submit(page: Page) -> None:
    page.get_by_role("main").locator("button[type=submit]").first.click()


def walk_family_pages(
    page: Page, place: Place, sms_code: Callable[[str], str], check: Callable[[str], None]
) -> list[str]:
    """Visits each page a family sees, calling ``check(name)`` on each; returns the names."""
    seen: list[str] = []

    def at(name: str) -> None:
        page.wait_for_load_state("load")
        seen.append(name)
        check(name)

    code = place.facility.code
    page.goto("/")
    at("public home")
    page.goto(f"/facilities/{code}/")
    at("facility")
    if page.request.get(f"/facilities/{code}/rules/").ok:
        page.goto(f"/facilities/{code}/rules/")
        at("rules")

    page.goto("/family/sign-in/")
    at("sign in")
    page.locator("[name=phone]").fill(PHONE_TYPED)
    submit(page)
    page.wait_for_url("**/family/sign-in/code/")
    at("sign-in code")
    right = sms_code(PHONE)
    page.locator("[name=code]").fill(f"{(int(right) + 1) % 10**6:06d}")
    submit(page)
    expect(page.locator(".field.invalid")).to_have_count(1)
    at("sign-in code, wrong code")
    page.locator("[name=code]").fill(right)
    submit(page)

    page.wait_for_url("**/family/profile/")
    at("profile form")
    page.locator("[name=full_name]").fill("阿依古丽·吐尔逊")
    page.locator("[name=date_of_birth]").fill("1949-12-31")
    page.locator("[name=document_type]").select_option("resident_id")
    page.locator("[name=document_number]").fill(DOCUMENT[:-1] + "1")  # a wrong check digit
    submit(page)
    expect(page.locator(".field.invalid")).not_to_have_count(0)
    at("profile form, invalid document")
    page.locator("[name=document_number]").fill(DOCUMENT)
    submit(page)

    page.wait_for_url("**/family/contacts/new/")
    at("contact request")
    page.locator("[name=facility]").select_option(str(place.facility.pk))
    page.locator("[name=prisoner_number]").fill(place.prisoner.number)
    page.locator("[name=prisoner_name]").fill("王伟")  # the wrong name
    submit(page)
    expect(page.locator(".errors")).to_have_count(1)
    at("contact request, not found")
    page.locator("[name=prisoner_name]").fill(place.prisoner.full_name)
    submit(page)
    page.wait_for_url("**/family/")
    at("family home, request waiting")

    contact = Contact.objects.get(visitor__phone=PHONE, prisoner=place.prisoner)
    contact_decide(actor=place.officer, contact=contact, status=Contact.Status.APPROVED)
    page.reload()
    at("family home")

    book = f"/family/book/{place.prisoner.pk}/"
    page.goto(f"{book}?kind=video")
    at("book calendar, video, no date")
    page.goto(f"{book}?kind=in_person")
    with page.expect_request(lambda r: r.headers.get("hx-request") == "true"):
        page.locator(f'.calendar a[href*="date={place.slot.date.isoformat()}"]').click()
    choose = page.locator(f'#times a[href$="/time/{place.slot.pk}/"]')
    expect(choose).to_be_visible()
    at("book calendar with a date")
    choose.click()
    page.wait_for_url(f"**{book}time/{place.slot.pk}/")
    at("confirm")
    submit(page)

    page.wait_for_url("**/family/visits/*/")
    reference = Booking.objects.get(prisoner=place.prisoner).reference
    at("visit detail")
    page.goto("/family/visits/")
    at("my visits")
    page.goto(f"/family/visits/{reference}/cancel/")
    at("cancel confirm")
    submit(page)
    page.wait_for_url(f"**/family/visits/{reference}/")
    at("visit detail, cancelled")
    page.goto("/family/profile/")
    at("profile")
    page.goto("/family/waitlist/")
    at("waitlist")
    page.goto("/family/requests/")
    at("visit requests")
    return seen


# Chinese pages share every template with these two; the journey test runs all three.
@pytest.mark.parametrize("language", ["en", "ug"])
def test_no_serious_accessibility_problem_on_any_family_page(
    language, open_tab, place, sms_code
) -> None:
    if not AXE.exists():
        reason = f"axe-core is not installed at {AXE}: run scripts/setup.sh (it runs npm install)."
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " CI needs the accessibility tests.")
        pytest.skip(reason)
    axe_source = AXE.read_text(encoding="utf-8")
    tab = open_tab(language, bypass_csp=True)
    page = tab.page
    problems: list[str] = []

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.lang") == language, name
        page.add_script_tag(content=axe_source)
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        problems.extend(serious_axe_problems(name, page.url, result))

    seen = walk_family_pages(page, place, sms_code, check)
    assert len(seen) >= 16, seen
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ["ug"])  # the journey checks the policy in all three
def test_the_content_security_policy_holds_on_every_family_page(
    language, open_tab, place, sms_code
) -> None:
    tab = open_tab(language)
    page = tab.page
    documents: list[Response] = []

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document":
            documents.append(response)

    page.on("response", on_response)

    seen = walk_family_pages(page, place, sms_code, lambda name: None)

    assert tab.csp_violations == [], "\n".join(tab.csp_violations)
    pages = [r for r in documents if r.headers.get("content-type", "").startswith("text/html")]
    assert len(pages) >= len(seen)
    for response in pages:
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, response.url
        assert "unsafe" not in policy, (response.url, policy)


def test_the_csp_check_sees_a_refused_inline_script_and_style(open_tab) -> None:
    """The detector itself: an inline script and a style attribute are refused and reported."""
    tab = open_tab("en")
    tab.page.goto("/")
    tab.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.injected = true";
          document.head.appendChild(script);
          document.body.setAttribute("style", "color: red");
        }"""
    )
    tab.page.wait_for_timeout(200)
    assert tab.page.evaluate("window.injected === undefined")
    assert any("script-src" in v for v in tab.csp_violations), tab.csp_violations
    assert any("style-src" in v for v in tab.csp_violations), tab.csp_violations
