"""Masking of identity numbers and phone numbers for lists and logs.

Full values stay in the database; every list, log line and export that is not
the person's own record shows the masked form.
"""


def mask_id_number(value: str | None) -> str:
    """Resident identity number 110101199003070011 → 1101**********0011."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Mobile 13812345678 → 138****5678; short numbers keep only the last two."""
    if not value:
        return ""
    value = value.strip()
    if len(value) >= 11:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) <= 2:
        return "*" * len(value)
    return "*" * (len(value) - 2) + value[-2:]
