"""Phone numbers: one parse serves E.164, the country and the masked form."""

import pytest

from hotline.numbers import country_of, mask, to_e164


@pytest.mark.parametrize("raw, e164, country", [
    ("+82 10-1234-5678", "+821012345678", "KR"),
    ("+8613812345678", "+8613812345678", "CN"),
    ("+7 912 345-67-89", "+79123456789", "RU"),
    ("+1 (202) 555-0143", "+12025550143", "US"),
])
def test_a_number_in_any_writing_gives_its_e164_and_country(raw, e164, country):
    for _ in range(2):  # the second time from what was parsed the first
        assert to_e164(raw) == e164
        assert country_of(raw) == country


def test_a_national_number_needs_its_region_and_nonsense_is_no_number():
    assert to_e164("010-1234-5678", "KR") == "+821012345678"
    assert to_e164("010-1234-5678") is None and country_of("010-1234-5678") == ""
    for raw in ("", "hello", "+82", "1" * 41):
        assert to_e164(raw) is None and country_of(raw) == ""
    assert to_e164("+82 10-1234") is None  # parsed, but not a valid number
    assert mask("+82 10-1234-5678") == "+82 10-****-**78"
    assert mask("nonsense") == "****"
