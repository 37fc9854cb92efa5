"""One video visit carried by two server processes through Redis.

The family's page talks to one uvicorn process, the terminal's to another;
they share the database and the Redis channel layer (REDIS_URL, with a
prefix of this test's own), and the call connects as if there were one server.
"""

import os
import uuid

import pytest

from apps.accounts.models import StaffRole
from tests import factories
from tests.browser import calls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

media_browser = calls.media_browser
REDIS_DB = 7


@pytest.fixture
def redis_url():
    url = calls.redis_url(REDIS_DB)
    if url is None:
        reason = "Redis is not answering on 127.0.0.1:6379: the two-process call needs it."
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return url


@pytest.fixture
def two_servers(transactional_db, redis_url, tmp_path):
    """Two processes, started once the test's data is committed (``start``)."""
    servers: list[calls.ProcessServer] = []

    def start() -> list[calls.ProcessServer]:
        env = calls.process_env(
            tmp_path,
            DATABASE_URL=calls.shared_database_url(tmp_path),
            REDIS_URL=redis_url,
            CHANNEL_PREFIX=f"vl-test-{uuid.uuid4().hex[:8]}",
        )
        servers.extend([calls.ProcessServer(env), calls.ProcessServer(env)])
        for server in servers:
            server.start()
        return servers

    yield start
    calls.close_contexts()
    for server in servers:
        server.stop()


def test_family_and_terminal_on_two_processes_hold_a_call(media_browser, two_servers):
    facility = factories.facility(name="Tianshan Prison", code="tianshan")
    prisoner = factories.prisoner(facility)
    family = factories.visitor(full_name="Ayshem Tursun")
    factories.contact(family, prisoner, relationship="spouse")
    officer = factories.staff(facility, StaffRole.Role.OFFICER)
    visit = calls.video_visit(facility, prisoner, family, custody=officer)
    family_session = calls.session_for(family.user)
    terminal_session = calls.terminal_session(visit)

    first, second = two_servers()
    family_page = calls.open_context(media_browser, first.url, session=family_session).new_page()
    family_page.goto(visit.join_path)
    family_page.get_by_role("button", name="Join the video visit").click()
    calls.wait_state(family_page, "waiting")
    terminal_page = calls.open_context(
        media_browser, second.url, session=terminal_session, desk=True
    ).new_page()
    terminal_page.goto(visit.terminal_path)
    with calls.console_log(family_page), calls.console_log(terminal_page):
        calls.wait_decoding(family_page)
        calls.wait_decoding(terminal_page, "family")
        calls.wait_growing(family_page)
        calls.wait_growing(terminal_page, "family")
