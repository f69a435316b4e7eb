"""Identity numbers and phone numbers as a hall checks them at receipt.

- A person is identified by the 18-character citizen identity number of
  GB 11643 (居民身份证; also printed on the residence permits of Hong Kong,
  Macao and Taiwan residents, prefixes 81–83, and on the foreigner's
  permanent residence card, prefix 9): 17 digits and the ISO 7064 MOD 11-2
  check character, a real birth date, and a province code (GB/T 2260). The
  county code is not checked against the birth year: a number carries the
  division of its issue, often younger than its holder.
- An organization by its unified social credit code of GB 32100
  (统一社会信用代码): 18 characters and the MOD 31 check character.
- A phone is a mainland mobile number or a landline with its area code.

The arithmetic is python-stdnum's (cn.ric, cn.uscc) and the phone plan
Google's libphonenumber (phonenumbers); this module turns their verdicts
into refusals that name the field. Each function returns the number in
its stored form (spaces and dashes of the check digit removed, "x" upper).
"""

import functools

from django.utils.translation import gettext as _
from stdnum import exceptions
from stdnum.cn import ric, uscc

from govhall.core.errors import DomainError

PERSON = "person"
ORGANIZATION = "organization"

# The first two digits: the provinces of GB/T 2260, the residence permits
# of Hong Kong, Macao and Taiwan residents (81–83), and the foreigner's
# permanent residence card (9x).
PROVINCES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
                      "61 62 63 64 65 71 81 82 83".split()) | {f"9{n}" for n in range(10)}


def resident_id(value: str, *, field: str) -> str:
    """The citizen identity number ``value`` (GB 11643), or a refusal naming ``field``."""
    number = "".join((value or "").split()).upper()
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise DomainError(_("身份证号码应为 18 位（17 位数字加 1 位数字或 X）。"), field=field)
    if number[17] != ric.calc_check_digit(number):
        raise DomainError(_("身份证号码校验位不正确，请核对。"), field=field)
    try:
        born = ric.get_birth_date(number)
        if born.year < 1900:
            raise exceptions.InvalidComponent()
    except exceptions.ValidationError:
        raise DomainError(_("身份证号码中的出生日期无效。"), field=field) from None
    if number[:2] not in PROVINCES:
        raise DomainError(_("身份证号码中的地区代码无效。"), field=field)
    return number


def credit_code(value: str, *, field: str) -> str:
    """The unified social credit code ``value`` (GB 32100), or a refusal naming ``field``."""
    number = "".join((value or "").split()).upper()
    try:
        return uscc.validate(number)
    except exceptions.InvalidChecksum:
        raise DomainError(_("统一社会信用代码校验位不正确，请核对。"), field=field) from None
    except exceptions.ValidationError:
        raise DomainError(_("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、Z、S、V）。"), field=field) from None


def applicant_id(value: str, kind: str, *, field: str = "applicant_id_number") -> str:
    """The applicant's number by the applicant's kind: a person's identity
    number or an organization's credit code."""
    if kind == ORGANIZATION:
        return credit_code(value, field=field)
    return resident_id(value, field=field)


def phone(value: str, *, field: str) -> str:
    """A mainland mobile number (11 digits) or a landline with its area code
    (0826-2338001); the number as entered, trimmed."""
    text = (value or "").strip()
    if not _phone_valid(text):
        raise DomainError(_("请填写有效的手机号码或带区号的固定电话（如 0826-2338001）。"), field=field)
    return text


@functools.lru_cache(maxsize=4096)
def _phone_valid(text: str) -> bool:
    """Whether ``text`` is a valid Chinese number (kept: every receipt asks,
    and the same applicants and windows come back)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return False
    return parsed.country_code == 86 and phonenumbers.is_valid_number(parsed)


def check_digit_person(first17: str) -> str:
    """The identity number completed with its check character (demo data, tests)."""
    return first17 + ric.calc_check_digit(first17 + "0")


def check_digit_organization(first17: str) -> str:
    """The credit code completed with its check character (demo data, tests)."""
    return first17 + uscc.calc_check_digit(first17)
