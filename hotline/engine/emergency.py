"""Local emergency numbers by ISO country code (plain data, shared by engine and fallback)."""

EMERGENCY_NUMBERS: dict[str, str] = {"KR": "119", "US": "911", "CN": "120", "RU": "112"}
DEFAULT_EMERGENCY = "112"


def emergency_number(country: str) -> str:
    """Return the number to call in an emergency in `country` (112 when unknown)."""
    return EMERGENCY_NUMBERS.get((country or "").upper(), DEFAULT_EMERGENCY)
