"""The demo shows a video visit: one starting shortly, and a terminal that can be paired."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.calls.demo import DEMO_TERMINAL
from apps.calls.selectors import terminal_bookings_today, terminal_for_device
from apps.calls.services import calls_open
from apps.demo.prison import FACILITY_CODE
from apps.facilities.models import Terminal

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_video_visit_and_a_terminal_to_pair():
    call_command("load_demo", stdout=StringIO())
    terminal = Terminal.objects.get(facility__code=FACILITY_CODE, name=DEMO_TERMINAL)
    calls = calls_open(terminal_bookings_today(terminal))
    local = timezone.localtime(timezone.now(), terminal.facility.zone)
    if local.hour < 23:  # after 23:00 the demo does not start a visit that would cross midnight
        assert calls and calls[-1].ends_at > timezone.now()

    banner = StringIO()
    call_command("demo_banner", stdout=banner)
    code = re.search(r"/terminal/pair/ with code ([A-Z0-9]{8})", banner.getvalue()).group(1)
    browser = Client()
    browser.post(reverse("calls:pair"), {"code": code})
    assert terminal_for_device(browser.get("/terminal/pair/").wsgi_request.user) == terminal

    out = StringIO()
    call_command("terminal_pair_code", FACILITY_CODE, DEMO_TERMINAL, stdout=out)
    assert re.fullmatch(r"[A-Z0-9]{8}\n", out.getvalue())
