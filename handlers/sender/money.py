"""Money for the e-mail: ISO-4217 codes, their minor units, and display from `Decimal` (never float).

A small table instead of babel: babel's locale data costs tens of milliseconds of cold import for
one number format. The table lists the active ISO-4217 currencies a shop can charge in (no fund
codes or precious metals); minor units are 2 unless listed in `_MINOR_UNITS`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_MINOR_UNITS: dict[str, int] = {
    # zero-decimal currencies
    **dict.fromkeys(
        ("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
         "XAF", "XOF", "XPF"),
        0,
    ),
    # three-decimal currencies
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
}

CURRENCIES: frozenset[str] = frozenset((
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
    "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG",
    "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF",
    "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN",
    "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX",
    "USD", "UYU", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER",
    "ZAR", "ZMW", "ZWG",
))
"""Active ISO-4217 codes (2025) a customer can be charged in."""


def minor_units(currency: str) -> int:
    """Digits after the decimal point for `currency` (JPY 0, EUR 2, KWD 3)."""
    return _MINOR_UNITS.get(currency, 2)


def fits_minor_units(amount: Decimal, currency: str) -> bool:
    """True when `amount` has no more fractional digits than the currency has (no 10.5 JPY)."""
    exponent = amount.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent <= minor_units(currency)


def format_money(amount: Decimal, currency: str) -> str:
    """`Decimal("1234.5"), "EUR"` → `1,234.50 EUR`; locale-neutral, exact (no float on the way)."""
    quantum = Decimal(1).scaleb(-minor_units(currency))
    shown = amount.quantize(quantum, rounding=ROUND_HALF_UP)
    if shown.is_zero():
        shown = shown.copy_abs()
    return f"{shown:,} {currency}"
