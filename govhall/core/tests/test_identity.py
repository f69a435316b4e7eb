"""Identity numbers (GB 11643), credit codes (GB 32100) and phones as the
hall checks them: valid examples pass in their stored form, each kind of
mistake is refused naming the field."""

import pytest

from govhall.core import identity
from govhall.core.errors import DomainError


@pytest.mark.parametrize("number, stored", [
    ("110101199003070011", "110101199003070011"),
    ("11010119900307002x", "11010119900307002X"),  # the check character X, typed lower case
    (" 5116 0219 9001 0100 14 ", "511602199001010014"),
    ("810000199003070015", "810000199003070015"),  # a Hong Kong resident's residence permit
])
def test_valid_identity_numbers_pass(number, stored):
    assert identity.resident_id(number, field="id") == stored


@pytest.mark.parametrize("number, says", [
    ("abc", "18 位"),
    ("11010119900307001", "18 位"),
    ("110101199003070012", "校验位"),  # 0011 is right: one digit off
    ("11010119900230001" + "0", "出生日期"),
    ("000101199003070011", "地区代码"),
])
def test_wrong_identity_numbers_are_refused_naming_the_field(number, says):
    if says in {"出生日期", "地区代码"}:  # give the wrong number a right check digit, so only its part is wrong
        number = identity.check_digit_person(number[:17])
    with pytest.raises(DomainError) as refused:
        identity.resident_id(number, field="applicant_id_number")
    assert refused.value.field == "applicant_id_number" and says in refused.value.message


def test_credit_codes():
    assert identity.credit_code("91511602ma1234567c", field="id") == "91511602MA1234567C"
    assert identity.check_digit_organization("91511602MA1234567") == "91511602MA1234567C"
    for wrong, says in (("91511602MA1234567D", "校验位"), ("91511602MA123456", "18 位"), ("91511602MA1234567I", "18 位")):
        with pytest.raises(DomainError) as refused:
            identity.credit_code(wrong, field="applicant_id_number")
        assert refused.value.field == "applicant_id_number" and says in refused.value.message


def test_the_applicant_s_kind_decides_which_number():
    assert identity.applicant_id("110101199003070011", "person") == "110101199003070011"
    with pytest.raises(DomainError):
        identity.applicant_id("110101199003070011", "organization")
    with pytest.raises(DomainError):
        identity.applicant_id("91511602MA1234567C", "person")


@pytest.mark.parametrize("number", ["13912345678", "0826-2338001", "08262338001", "010-12345678", "+86 139 1234 5678"])
def test_mobile_and_landline_numbers_pass(number):
    assert identity.phone(number, field="phone") == number.strip()


@pytest.mark.parametrize("number", ["0826", "12345", "1391234567", "abc", "", "+1 650 253 0000"])
def test_wrong_phones_are_refused_naming_the_field(number):
    with pytest.raises(DomainError) as refused:
        identity.phone(number, field="applicant_phone")
    assert refused.value.field == "applicant_phone"
