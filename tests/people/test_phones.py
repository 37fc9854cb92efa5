"""Phone numbers as they are really typed: only numbers that can receive SMS are kept."""

import pytest
from django.core.exceptions import ValidationError

from lib.phones import normalize_phone


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("+86 138-0013-8000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),  # full-width, from a Chinese input method
        ("+44 7400 123456", "+447400123456"),
    ],
)
def test_a_mobile_number_is_kept_in_one_form(typed, number):
    assert normalize_phone(typed) == number


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("010-65529988", "phone_not_mobile"),  # a Beijing landline
        ("+86 138 ABCD EFGH", "phone_letters"),  # not mapped to 2223 3344 on the keypad
        ("138\u202e00138000", "phone_letters"),  # an invisible control
        ("12345", "phone_invalid"),
        ("", "phone_invalid"),
    ],
)
def test_a_number_that_cannot_receive_sms_is_refused_with_the_reason(typed, code):
    with pytest.raises(ValidationError) as info:
        normalize_phone(typed)
    assert info.value.code == code
    assert str(info.value.messages[0])
