from govhall.core.masking import mask_id_number, mask_phone


def test_identity_numbers_keep_only_region_prefix_and_last_four():
    assert mask_id_number("110101199003070011") == "1101**********0011"
    assert mask_id_number("") == ""
    assert mask_id_number("1234") == "****"


def test_mobile_numbers_keep_first_three_and_last_four():
    assert mask_phone("13912345678") == "139****5678"
    assert mask_phone("12345") == "***45"
    assert mask_phone(None) == ""
