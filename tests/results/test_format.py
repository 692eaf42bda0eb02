"""The one number style of the CLI, the figures and the report (simulator.results.format)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from simulator.cli.common import fmt
from simulator.results.format import format_compact, format_number, format_percent
from simulator.viz.report_html import number_cell

NAN, INF = float("nan"), float("inf")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        # USD and BTC amounts from one million: suffix, 4 significant digits
        (1_284_000_000, "USD", "1.284 bn"),
        (1_284_000_000.0, "USD", "1.284 bn"),
        (64_670_000.0, "USD", "64.67 M"),
        (395_000_000, "USD", "395 M"),
        (20.17e9, "USD", "20.17 bn"),
        (11.2e9, "USD", "11.2 bn"),
        (2.5e12, "USD", "2.5 tn"),
        (1e16, "USD", "10,000 tn"),
        (1_000_000.0, "BTC", "1 M"),
        (2.5e9, "", "2.5 bn"),
        (999_960_000.0, "USD", "1 bn"),  # rounds up to the next suffix, not "1,000 M"
        (999_999.0, "USD", "999,999"),  # under one million: in full
        # negative values
        (-11.15e9, "USD", "-11.15 bn"),
        (-6.448e9, "USD", "-6.448 bn"),
        (-7_524.0, "BTC", "-7,524"),
        (-0.5, "", "-0.5"),
        (-3, "", "-3"),
        # other units: thousands separators, no suffix
        (17_962.0, "EH/s", "17,962"),
        (17_962.4, "EH/s", "17,962"),
        (3_233_124.2, "USD/BTC", "3,233,124"),
        (1_745_312.0, "USD/BTC", "1,745,312"),
        (60_000, "USD/MW/yr", "60,000"),
        # small numbers
        (271.6, "USD", "271.6"),
        (443.4, "BTC", "443.4"),
        (999.96, "BTC", "1,000"),
        (2.0, "", "2"),
        (0.0179, "BTC", "0.0179"),
        (0.05, "USD/kWh", "0.05"),
        (0.12345, "", "0.123"),
        (1.5e-5, "", "1.5e-05"),
        (1.2345e14, "-", "1.2345e+14"),
        # zero, NaN, infinities
        (0, "", "0"),
        (0.0, "USD", "0"),
        (-0.0, "USD", "0"),
        (NAN, "USD", "n/a"),
        (INF, "USD", "inf"),
        (-INF, "BTC", "-inf"),
        # counts, seeds, years, per cent
        (2_000, "", "2,000"),
        (20_250_717, "", "20,250,717"),  # a seed is not an amount
        (2035, "year", "2035"),
        (2035.0, "year", "2035"),
        (45, "%", "45%"),
        # not numbers
        (None, "", "none"),
        (True, "", "true"),
        ("threads", "", "threads"),
        # NumPy scalars
        (np.float32(0.0179), "BTC", "0.0179"),
        (np.float64(1.284e9), "USD", "1.284 bn"),
        (np.int64(17_962), "EH/s", "17,962"),
    ],
)
def test_format_number(value: object, unit: str, text: str) -> None:
    assert format_number(value, unit) == text


def test_compact_variant_shortens_every_unit_alike() -> None:
    assert format_compact(3_233_124.2, "USD/BTC") == "3.233 M"
    assert format_compact(1_284_000_000, "USD") == format_number(1_284_000_000, "USD")
    assert format_compact(17_962.0, "EH/s") == "17,962"
    assert format_compact(-2.5e9, "USD") == "-2.5 bn"
    assert format_compact(20_250_717, "") == "20.25 M"
    assert format_compact(NAN) == "n/a"


def test_percent() -> None:
    assert format_percent(0.261) == "26.1%"
    assert format_percent(2.881) == "288.1%"
    assert format_percent(-0.045) == "-4.5%"
    assert format_percent(0.0) == "0.0%"
    assert format_percent(NAN) == "n/a"


def test_cli_and_report_write_numbers_alike() -> None:
    for value, unit in [(1.284e9, "USD"), (17_962.0, "EH/s"), (0.0179, "BTC"), (-7_524.0, "BTC")]:
        assert fmt(value, unit) == number_cell(value, unit) == format_number(value, unit)
    assert fmt(None) == "none" and fmt(False) == "false"
    assert number_cell(NAN, "USD") == ""  # a blank table cell
    assert number_cell(np.float64(0.261), "fraction", percent=True) == "26.1%"


def test_import_is_light() -> None:
    code = (
        "import sys, simulator.results.format; "
        "print(sorted(m for m in ('numpy', 'pandas', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_format_with_error_keeps_the_digits_the_error_allows() -> None:
    from simulator.results.format import error_digits, format_with_error

    # PDG rule on the three leading digits of the error: 980 -> rounds to 1.0 (two
    # digits), 934 -> one digit (9,000), 120 -> two digits (0.0012), 410 -> one (4 M).
    assert error_digits(0.98) == -1 and error_digits(9_340) == 3 and error_digits(0.00123) == -4
    assert format_with_error(0.2613, 0.0098, percent=True) == "26.1% ± 1.0 pp"
    assert format_with_error(179_055, 9_340, "USD/BTC") == "179,000 ± 9,000"
    assert format_with_error(0.0179, 0.00123) == "0.0179 ± 0.0012"
    # amounts from a million keep the value's suffix on the error
    assert format_with_error(752.6e6, 2.1e6, "USD") == "752.6 M ± 2.1 M"
    assert format_with_error(1.2e9, 0.09e9, "USD") == "1.20 bn ± 0.09 bn"
    assert format_with_error(-77.6e6, 9.1e6, "USD") == "-78 M ± 9 M"
    # an error below the value's four digits is written plainly
    assert format_with_error(1.219e9, 1.2e5, "USD") == "1.219 bn ± 120,000"
    # an error of 0, NaN or inf: the value alone, as format_number writes it
    assert format_with_error(6_240.0, 0.0, "BTC") == "6,240"
    assert format_with_error(6_240.0, NAN, "BTC") == "6,240"
    assert format_with_error(float("inf"), NAN, "USD/BTC") == "inf"
    assert format_with_error(0.5, 1e-5, percent=True) == "50.00% ± <0.01 pp"


def test_format_with_error_at_the_rule_boundaries() -> None:
    from simulator.results.format import format_with_error

    # Regression: the leading digits were taken in binary (0.95 / 0.001 = 949.99...),
    # so 0.95 kept one digit (0.9) instead of rounding up to 1.0 with two.
    assert format_with_error(2.0, 0.95) == "2.0 ± 1.0"
    assert format_with_error(10.0, 0.0355) == "10.00 ± 0.04"  # 355: one digit
    assert format_with_error(10.0, 0.0354) == "10.000 ± 0.035"  # 354: two digits
    # an infinite error (the rank band reaches undefined paths) is shown, not hidden
    assert format_with_error(3.0, float("inf")) == "3 ± inf"
    # Regression: errors of 0.01-0.035 pp printed as "< 0.01 pp"
    assert format_with_error(0.9695, 0.00033, percent=True) == "96.950% ± 0.033 pp"
    assert format_with_error(0.0102, 0.000145, percent=True) == "1.020% ± 0.015 pp"
    assert format_with_error(0.5, 0.00004, percent=True) == "50.00% ± <0.01 pp"
