"""Currencies: ISO 4217 codes, their minor units, and the currency each territory pays in."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from graph.territories import ISO_3166_ALPHA2

# Where several currencies circulate (e.g. Panama: PAB and USD), the one a store charges in.
_TERRITORIES_BY_CURRENCY = {
    "AED": "AE", "AFN": "AF", "ALL": "AL", "AMD": "AM", "AOA": "AO", "ARS": "AR",
    "AUD": "AU CC CX HM KI NF NR TV", "AWG": "AW", "AZN": "AZ", "BAM": "BA", "BBD": "BB", "BDT": "BD",
    "BGN": "BG", "BHD": "BH", "BIF": "BI", "BMD": "BM", "BND": "BN", "BOB": "BO", "BRL": "BR",
    "BSD": "BS", "BTN": "BT", "BWP": "BW", "BYN": "BY", "BZD": "BZ", "CAD": "CA", "CDF": "CD",
    "CHF": "CH LI", "CLP": "CL", "CNY": "CN", "COP": "CO", "CRC": "CR", "CUP": "CU", "CVE": "CV",
    "CZK": "CZ", "DJF": "DJ", "DKK": "DK FO GL", "DOP": "DO", "DZD": "DZ", "EGP": "EG", "ERN": "ER",
    "ETB": "ET",
    "EUR": "AD AT AX BE BL CY DE EE ES FI FR GF GP GR HR IE IT LT LU LV MC ME MF MQ MT NL PM PT RE "
           "SI SK SM TF VA YT",
    "FJD": "FJ", "FKP": "FK", "GBP": "GB GG GS IM JE", "GEL": "GE", "GHS": "GH", "GIP": "GI",
    "GMD": "GM", "GNF": "GN", "GTQ": "GT", "GYD": "GY", "HKD": "HK", "HNL": "HN", "HTG": "HT",
    "HUF": "HU", "IDR": "ID", "ILS": "IL PS", "INR": "IN", "IQD": "IQ", "IRR": "IR", "ISK": "IS",
    "JMD": "JM", "JOD": "JO", "JPY": "JP", "KES": "KE", "KGS": "KG", "KHR": "KH", "KMF": "KM",
    "KPW": "KP", "KRW": "KR", "KWD": "KW", "KYD": "KY", "KZT": "KZ", "LAK": "LA", "LBP": "LB",
    "LKR": "LK", "LRD": "LR", "LSL": "LS", "LYD": "LY", "MAD": "EH MA", "MDL": "MD", "MGA": "MG",
    "MKD": "MK", "MMK": "MM", "MNT": "MN", "MOP": "MO", "MRU": "MR", "MUR": "MU", "MVR": "MV",
    "MWK": "MW", "MXN": "MX", "MYR": "MY", "MZN": "MZ", "NAD": "NA", "NGN": "NG", "NIO": "NI",
    "NOK": "BV NO SJ", "NPR": "NP", "NZD": "CK NU NZ PN TK", "OMR": "OM", "PAB": "PA", "PEN": "PE",
    "PGK": "PG", "PHP": "PH", "PKR": "PK", "PLN": "PL", "PYG": "PY", "QAR": "QA", "RON": "RO",
    "RSD": "RS", "RUB": "RU", "RWF": "RW", "SAR": "SA", "SBD": "SB", "SCR": "SC", "SDG": "SD",
    "SEK": "SE", "SGD": "SG", "SHP": "SH", "SLE": "SL", "SOS": "SO", "SRD": "SR", "SSP": "SS",
    "STN": "ST", "SYP": "SY", "SZL": "SZ", "THB": "TH", "TJS": "TJ", "TMT": "TM", "TND": "TN",
    "TOP": "TO", "TRY": "TR", "TTD": "TT", "TWD": "TW", "TZS": "TZ", "UAH": "UA", "UGX": "UG",
    "USD": "AS BQ EC FM GU IO MH MP PR PW SV TC TL UM US VG VI", "UYU": "UY", "UZS": "UZ",
    "VES": "VE", "VND": "VN", "VUV": "VU", "WST": "WS", "XAF": "CF CG CM GA GQ TD",
    "XCD": "AG AI DM GD KN LC MS VC", "XCG": "CW SX", "XOF": "BF BJ CI GW ML NE SN TG",
    "XPF": "NC PF WF", "YER": "YE", "ZAR": "ZA", "ZMW": "ZM", "ZWG": "ZW",
}
# Antarctica has no currency of its own; a store there charges US dollars.
_NO_CURRENCY_OF_ITS_OWN = {"AQ": "USD"}

TERRITORY_CURRENCY: Mapping[str, str] = MappingProxyType(
    {t: c for c, ts in _TERRITORIES_BY_CURRENCY.items() for t in ts.split()} | _NO_CURRENCY_OF_ITS_OWN
)

# Digits after the decimal point (ISO 4217 minor units) where they are not 2.
_MINOR_UNITS = {
    "BHD": 3, "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0, "JOD": 3, "JPY": 0,
    "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0, "RWF": 0, "TND": 3, "UGX": 0,
    "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}
# Active ISO 4217 codes for money (not funds, metals or testing codes).
ISO_4217: frozenset[str] = frozenset(_TERRITORIES_BY_CURRENCY)


def currency_of(territory: str) -> str:
    """The currency a store charges in `territory` (an ISO 3166-1 alpha-2 code, uppercase)."""
    return TERRITORY_CURRENCY[territory]


def is_currency(code: str) -> bool:
    """True for an active ISO 4217 currency code, uppercase ("EUR"; not "eur" or "EURO")."""
    return code in ISO_4217


def minor_units(currency: str) -> int:
    """How many decimals an amount in `currency` has: 2 for most, 0 for JPY, 3 for KWD."""
    return _MINOR_UNITS.get(currency, 2)


def smallest_unit(currency: str) -> Decimal:
    """The currency's smallest amount as a Decimal: 0.01 for EUR, 1 for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def check_table() -> None:
    """Raise when a territory lacks a currency or one is mapped twice (run by the tests)."""
    missing = ISO_3166_ALPHA2 - TERRITORY_CURRENCY.keys()
    unknown = TERRITORY_CURRENCY.keys() - ISO_3166_ALPHA2
    pairs = sum(len(ts.split()) for ts in _TERRITORIES_BY_CURRENCY.values()) + len(_NO_CURRENCY_OF_ITS_OWN)
    if missing or unknown or pairs != len(TERRITORY_CURRENCY):
        raise ValueError(f"currency table: missing {sorted(missing)}, unknown {sorted(unknown)}")


def decimal_text(value: Any) -> str:
    """A Decimal as plain digits ("0.99"); str() is the same whenever it has no exponent, and 4x cheaper."""
    if type(value) is Decimal and "E" not in (text := str(value)):
        return text
    return format(value, "f")
