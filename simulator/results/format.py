"""Number text for CLI tables, figures and reports, in one style: ``1.284 bn``, ``17,962``.

The rules (:func:`format_number`):

* thousands separators: ``17,962``, ``3,233,124``;
* USD and BTC amounts (units ``"USD"``, ``"BTC"`` and ``""``) from one million
  get a suffix with 4 significant digits: ``64.67 M``, ``1.219 bn``, ``2.5 tn``
  (a value that rounds up to the next suffix takes it: ``1 bn``, not ``1,000 M``);
  unitless integers (counts, seeds) are written in full;
* below one million: whole numbers from 1,000 (``17,962``), 4 significant
  digits from 1 (``271.6``), 3 below 1 (``0.0179``), 5 in scientific notation
  below 0.001 and from 10^12 (``1.2346e-05``);
* ``-`` for negative values, ``0`` for zero, ``n/a`` for NaN, ``inf``/``-inf``;
  years (unit ``"year"``) without separators; unit ``"%"`` appends a per cent sign.

:func:`format_with_error` writes a Monte Carlo estimate with its standard
error, ``179,000 ± 9,000`` or ``26.1% ± 1.0 pp``: the error keeps one or two
significant digits by the Particle Data Group's rule and the value is rounded
to the error's last digit, so no digit is shown that the simulation did not
pin down [1]_.

:func:`format_compact` is the variant for axis ticks and labels inside figures:
the same text, except that every unit takes the suffixes from one million
(``1.235 M`` for a price in USD/BTC). This module imports nothing heavy: the
CLI imports it at start-up.

References
----------
.. [1] Particle Data Group (2024), *Review of Particle Physics*, Introduction,
   section 5.3 "Rounding": the three highest digits of the error decide, 100-354
   keeps two significant digits, 355-949 one, 950-999 rounds up to 1000 and
   keeps two.
"""

from __future__ import annotations

import math
import numbers
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "AMOUNT_UNITS",
    "MISSING",
    "SUFFIXES",
    "format_compact",
    "format_number",
    "format_percent",
    "format_with_error",
    "error_digits",
]

#: Suffixes of large amounts, largest first: (size, word).
SUFFIXES: tuple[tuple[float, str], ...] = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"))
#: Units whose values from one million are written with a suffix by :func:`format_number`.
AMOUNT_UNITS = ("", "USD", "BTC", "tCO2", "tCO2/yr", "LCU", "USD/MW")
#: Text of a NaN.
MISSING = "n/a"
_SUFFIX_FROM = 1e6
_DIGITS = 4


def _round_sig(x: float, digits: int) -> float:
    """``x`` rounded to ``digits`` significant digits (``999.96`` -> ``1000.0`` at 4)."""
    return float(f"{x:.{digits}g}")


def _suffixed(a: float) -> str:
    """A positive amount of at least one million with its suffix: ``1.219 bn``."""
    for size, word in reversed(SUFFIXES):  # M, bn, tn: the first that keeps it under 1,000
        rounded = _round_sig(a / size, _DIGITS)
        if rounded < 1000 or word == SUFFIXES[0][1]:
            break
    text = f"{rounded:,.{_DIGITS}g}" if rounded < 1e4 else f"{rounded:,.0f}"
    return f"{text} {word}"


def _plain(a: float, integer: bool) -> str:
    """A non-negative finite value without suffix."""
    if integer:
        return f"{int(a):,}"
    if a == 0:
        return "0"
    if a >= 1e12 or a < 1e-3:
        return f"{a:.5g}"
    if a >= 1e3:
        return f"{a:,.0f}"
    if a >= 1:
        rounded = _round_sig(a, _DIGITS)
        return f"{rounded:,.0f}" if rounded >= 1e3 else f"{rounded:,.{_DIGITS}g}"
    return f"{a:.3g}"


def _format(value: object, unit: str, compact: bool) -> str:
    if value is None or isinstance(value, bool):
        return str(value).lower()
    if not isinstance(value, numbers.Real):
        return str(value)
    x = float(value)
    if math.isnan(x):
        return MISSING
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if unit == "year":
        return str(int(x)) if x.is_integer() else str(value)
    if unit == "%":
        return _format(value, "", compact) + "%"
    integer = isinstance(value, numbers.Integral)
    a = abs(x)
    suffix = compact or (unit in AMOUNT_UNITS and not (integer and unit == ""))
    text = _suffixed(a) if suffix and a >= _SUFFIX_FROM else _plain(a, integer)
    return "-" + text if x < 0 and text != "0" else text


def format_number(value: object, unit: str = "") -> str:
    """Text of a number for tables and notes, in btcsim's one style.

    Parameters
    ----------
    value : float, int, bool, str or None
        A number; ``None`` and booleans give ``"none"``, ``"true"``,
        ``"false"``, anything else that is not a number its ``str``.
    unit : str
        Decides the suffix rule (see the module notes): ``"USD"``, ``"BTC"``
        and ``""`` amounts from one million get ``M``, ``bn`` or ``tn``;
        ``"year"`` has no separators; ``"%"`` appends a per cent sign.

    Returns
    -------
    str
        E.g. ``"1.284 bn"`` (1_284_000_000, ``"USD"``), ``"17,962"`` (17_962.3,
        ``"EH/s"``), ``"0.0179"``, ``"-11.15 bn"``, ``"n/a"`` for NaN.
    """
    return _format(value, unit, compact=False)


def format_compact(value: object, unit: str = "") -> str:
    """:func:`format_number` for axis ticks and figure labels: suffixes in every unit.

    Parameters
    ----------
    value : float, int, bool, str or None
        As for :func:`format_number`.
    unit : str
        As for :func:`format_number`, except that values from one million take
        a suffix whatever the unit (``"1.235 M"`` for 1,234,567 USD/BTC).

    Returns
    -------
    str
    """
    return _format(value, unit, compact=True)


def format_percent(fraction: float, digits: int = 1) -> str:
    """A fraction as a percentage with ``digits`` decimals: ``0.261`` -> ``"26.1%"``.

    Parameters
    ----------
    fraction : float
        The share (1 is 100 %).
    digits : int
        Decimals of the percentage.

    Returns
    -------
    str
        ``"n/a"`` for NaN.
    """
    if isinstance(fraction, float) and math.isnan(fraction):
        return MISSING
    return f"{fraction:.{digits}%}"


def _round_at(x: float, k: int) -> float:
    """``x`` rounded half away from zero at the decimal digit ``10**k`` (in decimal, not binary)."""
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(k), rounding=ROUND_HALF_UP))


def error_digits(se: float) -> int:
    """Decimal exponent of the last digit to keep of a standard error ``se`` > 0 (PDG rule).

    ``0.0098`` -> -3 (shown ``0.010``), ``9340`` -> 3 (``9,000``), ``0.0123`` -> -3
    (``0.012``).
    """
    mantissa, exponent = f"{se:.2e}".split("e")  # decimal digits: 0.95 is "9.50e-01"
    top, e = int(mantissa.replace(".", "")), int(exponent)  # the three highest digits
    if top >= 950:
        return e - 0  # 950-999 -> 1000 with two significant digits: last digit at e
    if top >= 355:
        return e
    return e - 1


def format_with_error(value: float, se: float, unit: str = "", percent: bool = False) -> str:
    """A Monte Carlo estimate and its standard error: ``"179,000 ± 9,000"``, ``"26.1% ± 1.0 pp"``.

    Parameters
    ----------
    value : float
        The estimate (a fraction when ``percent``).
    se : float
        Its standard error, same unit; NaN (unknown) or 0 give the value
        alone (as :func:`format_number` / :func:`format_percent` write it),
        inf gives ``"± inf"`` (a percentile whose rank band reaches paths
        where the metric is undefined).
    unit : str
        As for :func:`format_number`; amounts from one million write the
        error with the value's suffix (``"752.6 M ± 4.1 M"``).
    percent : bool
        Write a fraction as a percentage and the error in percentage points.

    Returns
    -------
    str
    """
    x, s = float(value), float(se)
    if math.isfinite(x) and s == math.inf:  # a percentile next to undefined paths
        plain = format_percent(x) if percent else format_number(x, unit)
        return f"{plain} ± inf"
    if not math.isfinite(x) or not math.isfinite(s) or s <= 0:
        return format_percent(x) if percent and not math.isinf(x) else format_number(x, unit)
    if percent:
        x, s = 100.0 * x, 100.0 * s
    k = error_digits(s)
    s_r, x_r = _round_at(s, k), _round_at(x, k)
    decimals = max(0, -k)
    if percent:
        if s < 0.005:  # an error under 0.01 pp: two decimals say all there is to say
            return f"{x:.2f}% ± <0.01 pp"
        return f"{x_r:.{decimals}f}% ± {s_r:.{decimals}f} pp"
    text = format_number(x_r, unit)
    for size, word in SUFFIXES:
        if text.endswith(" " + word):
            d = max(0, -(k - round(math.log10(size))))
            if d > 3:  # the error is below the value's 4 digits: write it plainly
                return f"{text} ± {format_number(s_r, unit)}"
            return f"{x_r / size:,.{d}f} {word} ± {s_r / size:,.{d}f} {word}"
    if decimals > 6:  # tiny values: scientific notation, as format_number writes them
        return f"{format_number(x_r, unit)} ± {format_number(s_r, unit)}"
    if decimals:
        text = f"{x_r:,.{decimals}f}"
    return f"{text} ± {s_r:,.{decimals}f}"
