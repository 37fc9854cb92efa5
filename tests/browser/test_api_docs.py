"""The API's docs page renders in a real browser under the site's strict CSP, with no CDN."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_lists_the_operations_without_csp_violations(open_tab, live_server):
    tab = open_tab("en")
    outside: list[str] = []
    tab.page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    response = tab.page.goto("/api/v1/docs")
    assert response is not None and response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    tab.page.get_by_text("/api/v1/bookings/{reference}/cancel").first.wait_for()
    assert tab.page.get_by_text("Visitline API").first.is_visible()
    assert outside == []
    assert tab.csp_violations == []
