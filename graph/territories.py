"""Territories: ISO 3166-1 alpha-2 country codes, and the Chinook country names mapped to them."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# The 249 officially assigned ISO 3166-1 alpha-2 codes (user-assigned codes such as XK are not).
_ALPHA2_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ
    BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
    CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ
    DE DJ DK DM DO DZ
    EC EE EG EH ER ES ET
    FI FJ FK FM FO FR
    GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY
    HK HM HN HR HT HU
    ID IE IL IM IN IO IQ IR IS IT
    JE JM JO JP
    KE KG KH KI KM KN KP KR KW KY KZ
    LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ
    NA NC NE NF NG NI NL NO NP NR NU NZ
    OM
    PA PE PF PG PH PK PL PM PN PR PS PT PW PY
    QA
    RE RO RS RU RW
    SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ
    TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ
    UA UG UM US UY UZ
    VA VC VE VG VI VN VU
    WF WS
    YE YT
    ZA ZM ZW
"""
ISO_3166_ALPHA2: frozenset[str] = frozenset(_ALPHA2_CODES.split())

# Codes people write that are not (or no longer) ISO 3166-1 alpha-2, with the one they mean.
COMMON_MISTAKES: Mapping[str, str] = MappingProxyType({"UK": "GB", "EL": "GR", "EN": "GB"})

# Chinook's Customer.Country / Invoice.BillingCountry values.
CHINOOK_COUNTRY_CODES: Mapping[str, str] = MappingProxyType(
    {
        "Argentina": "AR",
        "Australia": "AU",
        "Austria": "AT",
        "Belgium": "BE",
        "Brazil": "BR",
        "Canada": "CA",
        "Chile": "CL",
        "Czech Republic": "CZ",
        "Denmark": "DK",
        "Finland": "FI",
        "France": "FR",
        "Germany": "DE",
        "Hungary": "HU",
        "India": "IN",
        "Ireland": "IE",
        "Italy": "IT",
        "Netherlands": "NL",
        "Norway": "NO",
        "Poland": "PL",
        "Portugal": "PT",
        "Spain": "ES",
        "Sweden": "SE",
        "USA": "US",
        "United Kingdom": "GB",
    }
)


def likely_meant(code: str) -> str | None:
    """The assigned code a wrong one probably meant ("uk", " gb" -> "GB"), or None: for error hints only."""
    meant = code.strip().upper()
    meant = COMMON_MISTAKES.get(meant, meant)
    return meant if meant in ISO_3166_ALPHA2 else None


def chinook_country_code(name: str) -> str:
    """The ISO code of a Chinook country name ("USA" -> "US"); KeyError for an unknown name."""
    try:
        return CHINOOK_COUNTRY_CODES[name.strip()]
    except KeyError:
        raise KeyError(f"unknown Chinook country {name!r}") from None


def territory_code(value: str) -> str:
    """The uppercase ISO 3166-1 alpha-2 code for `value` in any case ("gb" -> "GB"); ValueError otherwise."""
    code = value.upper()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError(f"{value[:20]!r} is not a country code: expected ISO 3166-1 alpha-2, two letters such as GB")
    if code in COMMON_MISTAKES:
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 code: did you mean {COMMON_MISTAKES[code]}?")
    if code not in ISO_3166_ALPHA2:
        raise ValueError(f"{value!r} is not an assigned ISO 3166-1 alpha-2 country code")
    return code
