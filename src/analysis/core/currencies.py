"""ISO 4217 currency codes, to check a currency named in client.yml or a codebook.

The active codes of ISO 4217 list one (2025), without the codes for precious metals,
bond-market units, special drawing rights and testing (XAU, XBA, XDR, XTS, XXX, ...):
a client's money is never counted in those. Cross-checked against Babel's currency
list (CLDR), which also holds historical codes; every code here is in it.
"""

from __future__ import annotations

import difflib

__all__ = ["ISO_4217", "check_currency"]

ISO_4217 = frozenset(
    """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD
    BTN BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP
    DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR
    IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD
    MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB
    PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD
    SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS
    VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL
    """.split()  # noqa: SIM905 - a block of codes reads better than a list of strings
)

#: Symbols and names written instead of a code, with the code meant.
_WRITTEN = {
    "$": "'USD' (or 'CAD', 'AUD', ...)",
    "US$": "'USD'",
    "C$": "'CAD'",
    "€": "'EUR'",
    "£": "'GBP'",
    "¥": "'JPY' (or 'CNY')",
    "₹": "'INR'",
}


def check_currency(value: str) -> str:
    """``value`` if it is an ISO 4217 code (upper case), else ValueError with the fix.

    >>> check_currency("EUR")
    'EUR'

    Parameters
    ----------
    value : str
        A currency code as written, e.g. "EUR".

    Returns
    -------
    str
        ``value``.

    Raises
    ------
    ValueError
        When it is not an ISO 4217 code; the message suggests the code meant (a symbol or
        a lower-case code).
    """
    text = str(value).strip()
    if text in ISO_4217:
        return text
    if text.upper() in ISO_4217:
        raise ValueError(f"must be an ISO 4217 code in capitals: did you mean {text.upper()!r}?")
    if text in _WRITTEN:
        raise ValueError(
            f"must be an ISO 4217 code, not the symbol {text!r}: did you mean {_WRITTEN[text]}?"
        )
    close = difflib.get_close_matches(text.upper(), sorted(ISO_4217), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise ValueError(
        f"must be an ISO 4217 currency code such as EUR, USD or GBP, not {text!r}{hint}"
    )
