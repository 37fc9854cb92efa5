"""Sign-in by a one-time SMS code: expiry, single use, wrong codes, rate limits, first-time profile."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import SignInCode, User
from apps.people.models import Visitor
from tests import factories

PHONE = "+8613912345678"


def ask_code(client, phone="139 1234 5678"):
    return client.post(reverse("portal:sign_in"), {"phone": phone})


def sent_code(outbox):
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


def enter(client, code):
    return client.post(reverse("portal:sign_in_code"), {"code": code})


def test_a_new_family_signs_in_and_is_asked_for_a_profile(client, db, sms_outbox):
    response = ask_code(client)
    assert response.status_code == 302 and response["Location"] == reverse("portal:sign_in_code")
    assert sms_outbox[-1].to == PHONE
    response = enter(client, sent_code(sms_outbox))
    assert response["Location"] == reverse("portal:profile")
    assert User.objects.get(username=PHONE).has_usable_password() is False
    response = client.post(
        reverse("portal:profile"),
        {
            "full_name": "阿依古丽·吐尔逊",
            "date_of_birth": "1949-12-31",
            "document_type": "resident_id",
            "document_number": "11010519491231002X",
            "preferred_language": "ug",
        },
    )
    assert response.status_code == 302
    visitor = Visitor.objects.get(user__username=PHONE)
    assert (visitor.phone, visitor.preferred_language) == (PHONE, "ug")
    assert response.cookies["django_language"].value == "ug"


def test_the_sms_speaks_the_language_of_the_page(client, db, sms_outbox):
    client.post(reverse("set_language"), {"language": "ug", "next": "/"})
    ask_code(client)
    assert "كود" in sms_outbox[-1].body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    ask_code(client, "13912345670")
    assert "验证码" in sms_outbox[-1].body


def test_an_existing_family_goes_home(client, world, sms_outbox):
    phone = world.family.user.username = "+8613800000001"
    world.family.user.save()
    ask_code(client, phone)
    response = enter(client, sent_code(sms_outbox))
    assert response["Location"] == reverse("portal:home")


def test_a_wrong_code_is_refused_and_five_wrong_codes_burn_it(client, db, sms_outbox):
    ask_code(client)
    good = sent_code(sms_outbox)
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    response = enter(client, wrong)
    assert "not right" in response.text
    for _ in range(3):
        enter(client, wrong)
    fifth = enter(client, wrong)
    assert "Too many wrong codes" in fifth.text and "Ask for a new one" in fifth.text
    response = enter(client, good)
    assert "Too many wrong codes" in response.text  # not "expired", which would be false
    assert not response.wsgi_request.user.is_authenticated


def test_a_code_works_once(client, db, sms_outbox):
    ask_code(client)
    code = sent_code(sms_outbox)
    enter(client, code)
    client.logout()
    session = client.session
    session["sign_in_phone"] = PHONE
    session.save()
    response = enter(client, code)
    assert "expired or was already used" in response.text


def test_an_expired_code_is_refused(client, db, sms_outbox):
    ask_code(client)
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = enter(client, sent_code(sms_outbox))
    assert "expired" in response.text
    assert "_auth_user_id" not in client.session


def test_a_new_code_replaces_the_old_one(client, db, sms_outbox):
    ask_code(client)
    first = sent_code(sms_outbox)
    ask_code(client)
    second = sent_code(sms_outbox)
    if first != second:
        assert enter(client, first).status_code == 200  # refused: the form again
        assert "_auth_user_id" not in client.session
    assert enter(client, second).status_code == 302


def test_sending_is_limited_per_number(client, db, sms_outbox):
    for _ in range(3):
        ask_code(client)
    response = ask_code(client)
    assert response.status_code == 200
    assert "Too many tries" in response.text
    assert len(sms_outbox) == 3


def test_sending_is_limited_per_address(client, db, sms_outbox):
    for n in range(20):
        ask_code(client, f"1391234{n:04d}")
    response = ask_code(client, "13800138000")
    assert "Too many tries" in response.text
    assert len(sms_outbox) == 20


def test_checking_is_limited_per_number(client, db, sms_outbox):
    for _ in range(10):
        ask_code(client) if not sms_outbox else None
        enter(client, "000000")
    response = enter(client, sent_code(sms_outbox))
    assert "Too many tries" in response.text


@pytest.mark.parametrize("phone", ["12345", "not a phone", ""])
def test_a_bad_phone_number_gets_a_clear_error(client, db, sms_outbox, phone):
    response = ask_code(client, phone)
    assert response.status_code == 200
    assert sms_outbox == []
    assert "phone number" in response.text


def test_the_code_page_needs_a_number_first(client, db):
    assert client.get(reverse("portal:sign_in_code"))["Location"] == reverse("portal:sign_in")


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, world, sms_outbox):
    world.family.user.username = PHONE
    world.family.user.save()
    client.get(reverse("portal:sign_in") + "?next=/family/visits/")
    ask_code(client)
    assert enter(client, sent_code(sms_outbox))["Location"] == "/family/visits/"
    client.logout()
    client.get(reverse("portal:sign_in") + "?next=https://evil.example/")
    ask_code(client, "13912345679")
    factories.visitor(user=User.objects.create(username="+8613912345679"))
    assert enter(client, sent_code(sms_outbox))["Location"] == reverse("portal:home")


def test_bad_profile_input_writes_nothing(client, db, sms_outbox):
    ask_code(client)
    enter(client, sent_code(sms_outbox))
    response = client.post(
        reverse("portal:profile"),
        {
            "full_name": "Test",
            "date_of_birth": "1949-12-31",
            "document_type": "resident_id",
            "document_number": "110105194912310021",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    assert "mistyped" in response.text
    assert not Visitor.objects.exists()


def test_the_session_cookie_is_http_only_and_same_site(client, db, sms_outbox):
    ask_code(client)
    response = enter(client, sent_code(sms_outbox))
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("phone", "says"),
    [
        ("010-65529988", "This is not a mobile number"),
        ("+86 138 ABCD EFGH", "A phone number has only digits"),
    ],
)
def test_no_code_is_sent_where_nobody_typed(client, db, sms_outbox, phone, says):
    response = ask_code(client, phone)
    assert response.status_code == 200
    assert says in response.text
    assert sms_outbox == []
