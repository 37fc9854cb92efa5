"""Identity documents are validated, stored encrypted and shown masked; phones are real numbers."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from apps.audit.models import AuditEvent
from apps.people.models import Visitor
from apps.people.services import visitor_register
from lib.identity import mask_document, normalize_document, resident_id_check_digit
from lib.phones import normalize_phone

# A published GB 11643 example number with a correct check digit.
VALID_ID = "11010519491231002X"


def _with_check(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def test_gb11643_check_digit():
    assert resident_id_check_digit(VALID_ID[:17]) == "X"
    assert normalize_document("resident_id", " 110105 19491231 002x ") == VALID_ID


def test_a_number_typed_full_width_is_read_as_its_digits():
    typed = "１１０１０５１９４９１２３１００２ｘ"  # a Chinese input method in full-width mode
    assert normalize_document("resident_id", typed) == VALID_ID


def test_an_old_number_is_refused_in_words_that_say_so():
    with pytest.raises(ValidationError) as info:
        normalize_document("resident_id", "110105491231002")
    assert "old 15-digit" in info.value.messages[0]


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "resident_id_check_digit"),
        ("11010519491231002", "resident_id_shape"),
        ("11010519491331002X", "resident_id_birth_date"),
        ("A1010519491231002X", "resident_id_shape"),
        ("110105491231002", "resident_id_old"),  # the 15-digit numbers of before 1999
        ("११०१०५१९४९१२३१००२X", "resident_id_shape"),  # digits of another script
        (_with_check("11010518000101001"), "resident_id_birth_date"),  # born in 1800
    ],
)
def test_bad_resident_ids_are_refused_with_the_reason(number, code):
    with pytest.raises(ValidationError) as info:
        normalize_document("resident_id", number)
    assert info.value.code == code


def test_passport_shape():
    assert normalize_document("passport", "e1234 5678") == "E12345678"
    for bad in ("E12", "ABCDEFGHI", "E1234567890", "E12-34#567"):
        with pytest.raises(ValidationError):
            normalize_document("passport", bad)


def test_masking_hides_the_middle():
    assert mask_document(VALID_ID) == "11************002X"
    assert mask_document("E12345678") == "E1***5678"


def test_phone_numbers_are_normalised_or_refused():
    assert normalize_phone("138 0013 8000") == "+8613800138000"
    assert normalize_phone("+44 7400 123456") == "+447400123456"  # a mobile: SMS reach it
    for bad in ("12345", "", "+86 100"):
        with pytest.raises(ValidationError) as info:
            normalize_phone(bad)
        assert info.value.code == "phone_invalid"
    with pytest.raises(ValidationError) as info:
        normalize_phone("not a phone")
    assert info.value.code == "phone_letters"


def register(**overrides):
    fields = {
        "actor": None,
        "full_name": "阿依古丽·吐尔逊",
        "date_of_birth": dt.date(1949, 12, 31),
        "document_type": "resident_id",
        "document_number": VALID_ID,
        "phone": "13800138000",
        "preferred_language": "ug",
    }
    return visitor_register(**(fields | overrides))


@pytest.mark.django_db
def test_the_document_number_is_encrypted_at_rest():
    visitor = register()
    with connection.cursor() as cursor:
        cursor.execute("SELECT document_number FROM people_visitor WHERE id = %s", [visitor.pk])
        stored = cursor.fetchone()[0]
    assert VALID_ID not in stored
    assert Visitor.objects.get(pk=visitor.pk).document_number == VALID_ID
    assert visitor.document_masked == "11************002X"
    assert AuditEvent.objects.filter(action="visitor.register").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"document_number": "110105194912310021"}, "resident_id_check_digit"),
        ({"phone": "12345"}, "phone_invalid"),
        ({"date_of_birth": dt.date(1950, 1, 1)}, "birth_date_mismatch"),
        ({"date_of_birth": dt.date(1800, 1, 1), "document_type": "passport"}, "birth_date_early"),
        ({"full_name": "  "}, "name"),
        ({"document_type": "library_card"}, "document_type"),
    ],
)
def test_bad_registrations_write_nothing(overrides, code):
    with pytest.raises(ValidationError) as info:
        register(**overrides)
    assert info.value.code == code
    assert Visitor.objects.count() == 0
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_one_document_one_visitor():
    register()
    with pytest.raises(ValidationError) as info:
        register(full_name="Someone else", phone="13900139000")
    assert info.value.code == "document_taken"
    assert Visitor.objects.count() == 1


@pytest.mark.django_db
def test_the_identity_key_can_be_rotated_without_losing_documents(settings):
    visitor = register()
    settings.IDENTITY_PREVIOUS_KEYS = [settings.IDENTITY_KEY]
    settings.IDENTITY_KEY = "a-new-identity-key-of-at-least-32-characters"
    assert Visitor.objects.get(pk=visitor.pk).document_number == VALID_ID
    with pytest.raises(ValidationError) as info:
        register(full_name="Same document again", phone="13900139000")
    assert info.value.code == "document_taken"  # the digest key did not move
