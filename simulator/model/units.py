"""Units: the calendar constants every rate uses, and unit labels read off a name's suffix.

btcsim puts the unit in every name; this table turns the suffix back into a
unit for tables and reports. The longest matching suffix wins.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["unit_for", "SUFFIX_UNITS", "DAYS_PER_YEAR", "DAYS_PER_MONTH", "day_index"]

#: Days in a mean (Julian) year, the calendar unit of every per-year rate [days/yr].
DAYS_PER_YEAR = 365.25
#: Days in a mean month [days/month].
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0

#: Name suffix -> unit label.
SUFFIX_UNITS: dict[str, str] = {
    "_usd_per_kwh": "USD/kWh",
    "_usd_per_th": "USD/TH",
    "_usd_per_mw_year": "USD/MW/yr",
    "_usd_per_mw": "USD/MW",
    "_usd_per_month": "USD/month",
    "_usd_per_btc": "USD/BTC",
    "_usd_per_ph_day": "USD/PH/day",
    "_btc_per_day": "BTC/day",
    "_btc_per_block": "BTC/block",
    "_j_per_th": "J/TH",
    "_tco2_per_mwh": "tCO2/MWh",
    "_lcu_per_usd": "LCU/USD",
    "_year": "year",
    "_per_year": "1/yr",
    "volatility_per_year": "1/sqrt(yr)",
    "_per_month": "1/month",
    "_usd": "USD",
    "_btc": "BTC",
    "_mw": "MW",
    "_ehs": "EH/s",
    "_years": "yr",
    "_days": "days",
    "_between": "days",
    "date": "date",
    "_height": "blocks",
    "_difficulty": "",
    "share": "fraction",
    "fraction": "fraction",
    "uptime": "fraction",
    "utilisation": "fraction",
    "fee": "fraction",
    "change": "fraction",
    "pue": "ratio",
    "paths": "paths",
    "btc": "BTC",
}


def unit_for(key: str) -> str:
    """Return the unit of a dotted key from its last part's suffix.

    Parameters
    ----------
    key : str
        Dotted key such as ``mining.pakistan.power_mw``.

    Returns
    -------
    str
        Unit label, or ``""`` when the name carries none (a count, a label).
    """
    last = key.rsplit(".", 1)[-1]
    best = ""
    for suffix in SUFFIX_UNITS:
        if last.endswith(suffix) and len(suffix) > len(best):
            best = suffix
    return SUFFIX_UNITS[best] if best else ""


def day_index(start: dt.date, when: dt.date) -> int:
    """Index of the simulated day ending on ``when``: day ``t`` ends on ``start + t + 1``.

    Negative for dates on or before the start date.
    """
    return (when - start).days - 1
