"""Bad ledger inputs: one line naming the file and the key, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import PROJECT, write_scenario
from typer.testing import CliRunner

from cli import app

runner = CliRunner()
BASELINE = (PROJECT / "scenarios" / "baseline.toml").as_posix()
EL_SALVADOR = (PROJECT / "scenarios" / "el_salvador_hold.toml").as_posix()


def _validate(tmp_path: Path, text: str) -> str:
    path = write_scenario(tmp_path, text)
    got = runner.invoke(app, ["validate", str(path)])
    assert got.exit_code == 2, got.output
    assert "Traceback" not in got.output
    lines = got.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {path}: "), got.output
    return lines[0]


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        (
            f'extends = "{BASELINE}"\n[[reserve]]\nname = "el_salvador"\ncurrency = "usd"\n',
            "reserve.el_salvador.currency",
            "3-letter upper-case currency code",
        ),
        (
            f'extends = "{EL_SALVADOR}"\n[[reserve]]\nname = "el_salvador"\ncurrency = "PKR"\n',
            "reserve.el_salvador.currency",
            "needs a [market.fx] path in that currency, but there is no [market.fx]",
        ),
        (
            f'extends = "{BASELINE}"\n[[benchmark]]\nname = "gdp"\nlabel = "GDP"\n',
            "benchmark.gdp.value_usd",
            "missing",
        ),
        (
            f'extends = "{BASELINE}"\n[[benchmark]]\nname = "imf_facility"\nend_year = 2027.5\n',
            "benchmark.imf_facility.end_year",
            "integer",
        ),
        (
            f'extends = "{BASELINE}"\n[[mining]]\nname = "pakistan"\n'
            "emission_factor_tco2_per_mwh = -1\n",
            "mining.pakistan.emission_factor_tco2_per_mwh",
            "greater than or equal to 0",
        ),
        (
            f'extends = "{BASELINE}"\n[[mining]]\nname = "pakistan"\n'
            "cost_reflective_usd_per_kwh = 12\n",
            "mining.pakistan.cost_reflective_usd_per_kwh",
            "plausible",
        ),
    ],
    ids=["currency-case", "currency-no-fx", "benchmark-no-value", "end-year", "factor", "tariff"],
)
def test_bad_ledger_inputs(tmp_path: Path, text: str, key: str, says: str) -> None:
    line = _validate(tmp_path, text)
    assert f": {key}: " in line and says in line, line


def test_a_short_form_benchmark_and_one_of_its_name_are_refused(tmp_path: Path) -> None:
    line = _validate(
        tmp_path,
        f'extends = "{BASELINE}"\n[scenario]\nbenchmark_usd = 1e9\n'
        '[[benchmark]]\nname = "benchmark"\nvalue_usd = 2e9\n',
    )
    assert "short form of a [[benchmark]] named 'benchmark'" in line


def test_remove_drops_an_inherited_benchmark(tmp_path: Path) -> None:
    path = write_scenario(
        tmp_path,
        f'extends = "{BASELINE}"\n[scenario]\nname = "no_bench"\n'
        '[[benchmark]]\nname = "imf_facility"\nremove = true\n',
    )
    got = runner.invoke(app, ["validate", str(path)])
    assert got.exit_code == 0, got.output
    lone = write_scenario(tmp_path, '[[benchmark]]\nname = "x"\nremove = true\n', name="lone.toml")
    line = runner.invoke(app, ["validate", str(lone)]).output
    assert "benchmark.x.remove" in line and "only in a file that extends another" in line
