"""Malformed scenario files and ``--set`` overrides give one clean :class:`ScenarioError`.

Each class of bad input (encoding and file kind, types in the wrong place,
nesting depth, implausible physical values, percentages written as whole
numbers, dates before the start, bad overrides) must end as one line naming
the file (or the override), the dotted key and what is wrong: never a
traceback, a hang or a run-time failure that does not name the key.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel
from support import MINIMAL_SCENARIO, PROJECT, shipped_overrides, write_scenario
from typer.testing import CliRunner

from cli import app
from simulator.engine.plan import plan
from simulator.inputs import schema
from simulator.inputs.errors import ScenarioError
from simulator.inputs.scenario import load_scenario

runner = CliRunner()

GOOD = MINIMAL_SCENARIO
write = write_scenario


def edit(old: str, new: str, base: str = GOOD) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def top(text: str) -> str:
    """GOOD without its entities, with ``text`` as top-level keys."""
    return text + "\n" + GOOD.split("[[reserve]]")[0]


def error_of(path: Path, overrides: tuple[str, ...] = ()) -> ScenarioError:
    """The one ScenarioError that loading ``path`` raises, checked to be one line."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    text = str(info.value)
    assert "\n" not in text and len(text) < 600, text
    return info.value


# ------------------------------------------------------------------ 1. encoding
NOT_UTF8 = {
    "binary": b"\x00\xff\xfe\x80garbage\x81",
    "latin-1": edit('name = "t"', 'name = "t"\ndescription = "caf\xe9"').encode("latin-1"),
    "utf-16": GOOD.encode("utf-16"),
}


@pytest.mark.parametrize("raw", NOT_UTF8.values(), ids=list(NOT_UTF8))
def test_not_utf8_is_one_line(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(raw)
    exc = error_of(path)
    assert str(exc).startswith(f"{path}: not a UTF-8 text file ("), exc


def test_utf16_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(GOOD.encode("utf-16"))
    assert "UTF-16" in str(error_of(path))


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_scenario(path).name == "t"


def test_extends_target_not_utf8_names_that_file(tmp_path: Path) -> None:
    parent = tmp_path / "parent.toml"
    parent.write_bytes(NOT_UTF8["latin-1"])
    exc = error_of(write(tmp_path, 'extends = "parent.toml"\n'))
    assert str(exc).startswith(f"{parent}: not a UTF-8 text file"), exc


def test_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "d.toml").mkdir()
    exc = error_of(tmp_path / "d.toml")
    assert str(exc) == f"{tmp_path / 'd.toml'}: is a directory, not a scenario file"


def test_extends_a_directory_says_so(tmp_path: Path) -> None:
    (tmp_path / "d.toml").mkdir()
    exc = error_of(write(tmp_path, 'extends = "d.toml"\n'))
    assert "is a directory" in str(exc), exc


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
@pytest.mark.parametrize("how", ["direct", "extends"])
def test_device_is_not_read(tmp_path: Path, how: str) -> None:
    path = Path("/dev/zero") if how == "direct" else write(tmp_path, 'extends = "/dev/zero"\n')
    began = time.perf_counter()
    exc = error_of(path)
    assert time.perf_counter() - began < 5
    assert str(exc).startswith("/dev/zero: not a regular file"), exc


def test_file_over_size_limit(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + "# " + "x" * (1024 * 1024) + "\n")
    exc = error_of(path)
    assert "larger than 1 MiB" in str(exc), exc


# --------------------------------------------------------- 2. types out of place
@pytest.mark.parametrize("bad", ["[]", '"a"', "{ x = 1 }", "true"])
@pytest.mark.parametrize("end", ["low", "high"])
def test_range_end_not_a_number(tmp_path: Path, bad: str, end: str) -> None:
    ends = {"low": "1", "high": "200", end: bad}
    form = f"holdings_btc = {{ value = 100, low = {ends['low']}, high = {ends['high']} }}"
    exc = error_of(write(tmp_path, edit("holdings_btc = 100", form)))
    assert exc.key == f"reserve.treasury.holdings_btc.{end}", exc
    assert "expected a number" in exc.message


@pytest.mark.parametrize(
    "line", ["reserve = 5", "mining = true", 'reserve = "x"', "reserve = { value = 5 }"]
)
def test_scalar_where_entity_list_belongs(tmp_path: Path, line: str) -> None:
    kind = line.split()[0]
    exc = error_of(write(tmp_path, top(line)))
    assert exc.key == kind, exc
    assert exc.message.startswith(f"expected a list of [[{kind}]] tables"), exc


@pytest.mark.parametrize("line", ["reserve = 5", "reserve = [5]", "mining = [[1]]"])
def test_scalar_entity_list_with_extends(tmp_path: Path, line: str) -> None:
    write(tmp_path, GOOD, "base.toml")
    exc = error_of(write(tmp_path, f'extends = "base.toml"\n{line}\n'))
    assert exc.key.split(".")[0] == line.split()[0], exc
    assert "[[" in exc.message, exc


@pytest.mark.parametrize("name", ["{ a = 1 }", "[1, 2]", "3"])
def test_entity_name_not_a_string_with_extends(tmp_path: Path, name: str) -> None:
    write(tmp_path, GOOD, "base.toml")
    exc = error_of(write(tmp_path, f'extends = "base.toml"\n[[reserve]]\nname = {name}\n'))
    assert exc.key == "reserve.0.name", exc
    assert "expected a string" in exc.message, exc


def test_remove_must_be_a_boolean(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "base.toml")
    text = 'extends = "base.toml"\n[[reserve]]\nname = "treasury"\nremove = "yes"\n'
    exc = error_of(write(tmp_path, text))
    assert exc.key == "reserve.treasury.remove", exc
    assert "true or false" in exc.message


@pytest.mark.parametrize("text", ["reserve=5", "mining=true", "reserve.treasury=5"])
def test_set_scalar_where_entity_list_belongs(tmp_path: Path, text: str) -> None:
    exc = error_of(write(tmp_path, GOOD), (text,))
    assert exc.file == f"--set {text}", exc
    assert "[[" in exc.message, exc


def test_set_reserve_message(tmp_path: Path) -> None:
    exc = error_of(write(tmp_path, GOOD), ("reserve=5",))
    assert str(exc).startswith("--set reserve=5: reserve: expected a list of [[reserve]] tables")


def test_extends_chain_is_bounded(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "f0.toml")
    for i in range(1, 40):
        write(tmp_path, f'extends = "f{i - 1}.toml"\n', f"f{i}.toml")
    assert load_scenario(tmp_path / "f31.toml").name == "t"  # 32 files
    exc = error_of(tmp_path / "f32.toml")
    assert exc.key == "extends" and "more than 32 files deep" in exc.message, exc


# ---------------------------------------------------------------------- 3. depth
DEEP = {
    "arrays": "x = " + "[" * 5000 + "]" * 5000 + "\n",
    "arrays 100": "x = " + "[" * 100 + "]" * 100 + "\n",
    "inline tables": "x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n",
    "dotted key": ".".join(["a"] * 5000) + " = 1\n",
    "table header": "[" + ".".join(["a"] * 5000) + "]\n",
}


@pytest.mark.parametrize("text", DEEP.values(), ids=list(DEEP))
def test_deep_nesting_is_refused(tmp_path: Path, text: str) -> None:
    exc = error_of(write(tmp_path, text + GOOD if text.startswith("x") else GOOD + text))
    assert "nested deeper than 32 levels" in str(exc), exc


def test_depth_limit_boundary(tmp_path: Path) -> None:
    # 32 nested arrays pass the depth rule (and fail the schema: x is no key)
    exc = error_of(write(tmp_path, "x = " + "[" * 32 + "]" * 32 + "\n" + GOOD))
    assert "unknown key" in str(exc), exc
    exc = error_of(write(tmp_path, "x = " + "[" * 33 + "]" * 33 + "\n" + GOOD))
    assert "nested deeper than 32 levels" in str(exc), exc


def test_brackets_in_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    noise = '"' + "[" * 40 + '"'
    text = edit(
        'name = "t"',
        f'name = "t"\ndescription = {noise} # {"{" * 40}\nquestion = """\n{"[" * 40}\n"""',
    )
    assert load_scenario(write(tmp_path, text)).name == "t"


@pytest.mark.parametrize(
    "text",
    [".".join(["a"] * 5000) + "=1", "x=" + "[" * 5000 + "]" * 5000, "x=" + "[" * 40 + "]" * 40],
    ids=["key", "value", "value 40"],
)
def test_deep_set_is_refused(tmp_path: Path, text: str) -> None:
    exc = error_of(write(tmp_path, GOOD), (text,))
    assert exc.file.startswith("--set ") and len(exc.file) < 100, exc
    assert "deeper than 32" in exc.message, exc


# ---------------------------------------------------------- 4. plausible ranges
IMPLAUSIBLE = [
    ("start_ehs = 900", "start_ehs = 1e300", "market.network.start_ehs"),
    ("start_usd = 100000", "start_usd = 1e300", "market.price.start_usd"),
    ("power_mw = 100", "power_mw = 1e300", "mining.plant.power_mw"),
    ("power_mw = 100", "power_mw = 100_001", "mining.plant.power_mw"),
    (
        "power_mw = 100",
        "power_mw = 100\nefficiency_j_per_th = 1e-300",
        "mining.plant.efficiency_j_per_th",
    ),
    ("start_date = 2025-07-17", "start_date = 9999-06-01", "scenario.start_date"),
    ("start_date = 2025-07-17", "start_date = 2008-06-01", "scenario.start_date"),
    ("start_difficulty = 126.27e12", "start_difficulty = 1e300", "chain.start_difficulty"),
    ("holdings_btc = 100", "holdings_btc = 1e300", "reserve.treasury.holdings_btc"),
    ("holdings_btc = 100", "holdings_btc = 22e6", "reserve.treasury.holdings_btc"),
    (
        "start_difficulty = 126.27e12",
        "start_difficulty = 126.27e12\nfees_btc_per_block = 1e300",
        "chain.fees_btc_per_block",
    ),
    (
        "holdings_btc = 100",
        "holdings_btc = 100\npurchases = [{ btc_per_day = 1e300 }]",
        "reserve.treasury.purchases.0.btc_per_day",
    ),
    (
        "volatility_per_year = 0.5",
        "volatility_per_year = 0.5\nshocks = [{ date = 2026-01-01, change = 1e300 }]",
        "market.price.shocks.0.change",
    ),
]


@pytest.mark.parametrize(("old", "new", "key"), IMPLAUSIBLE, ids=[c[1] for c in IMPLAUSIBLE])
def test_implausible_value_names_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    exc = error_of(write(tmp_path, edit(old, new)))
    assert exc.key == key, exc


def test_implausible_message_gives_range_and_reason(tmp_path: Path) -> None:
    exc = error_of(write(tmp_path, edit("power_mw = 100", "power_mw = 1e300")))
    assert "plausible" in exc.message and "MW" in exc.message, exc
    assert "grid" in exc.message, exc  # the reason


def test_horizon_may_not_end_after_2200(tmp_path: Path) -> None:
    text = edit("start_date = 2025-07-17", "start_date = 2100-01-01")
    exc = error_of(write(tmp_path, text.replace("horizon_years = 1", "horizon_years = 100")))
    assert exc.key == "scenario.horizon_years", exc
    assert "after 2200-01-01" in exc.message
    ok = text.replace("horizon_years = 1", "horizon_years = 99")
    assert load_scenario(write(tmp_path, ok)).model.scenario.horizon_years == 99


def _numeric_fields() -> list[tuple[str, str, typing.Any]]:
    out = []
    for name in dir(schema):
        model = getattr(schema, name)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for field, info in model.model_fields.items():
            ann = info.annotation
            args = typing.get_args(ann) if isinstance(ann, types.UnionType) else (ann,)
            if any(a in (int, float) for a in args):
                out.append((name, field, info))
    return out


NOT_PHYSICAL = {("Meta", "seed")}


@pytest.mark.parametrize(
    ("model", "field", "info"), _numeric_fields(), ids=[f"{m}.{f}" for m, f, _ in _numeric_fields()]
)
def test_every_physical_input_has_a_range(model: str, field: str, info: typing.Any) -> None:
    if (model, field) in NOT_PHYSICAL:
        return
    kinds = {type(m).__name__ for m in info.metadata}
    extra = info.json_schema_extra or {}
    has_low = kinds & {"Gt", "Ge"} or extra.get("plausible", [None])[0] is not None
    is_rate = field.endswith(("_per_year", "_per_month"))  # PerYear, PerMonth: at most 5, 1
    has_high = kinds & {"Lt", "Le"} or "plausible" in extra or is_rate
    assert has_low and has_high, f"{model}.{field} has no plausible range"
    assert info.description, f"{model}.{field} has no description"
    if "plausible" in extra:  # declared with physical(): the reason is in the description
        assert "plausible" in info.description and extra["plausible"][3] in info.description


# ------------------------------------------------------------- 5. percent rates
PERCENT = [
    (
        'model = "constant"',
        'model = "growth"\ngrowth_per_year = 25',
        "25 is 2,500 % a year",
        "0.25",
    ),
    (
        "start_difficulty = 126.27e12",
        "start_difficulty = 126.27e12\nfees_growth_per_year = 20",
        "20 is 2,000 % a year",
        "0.2",
    ),
    (
        "volatility_per_year = 0.5",
        "volatility_per_year = 0.5\nexpected_return_per_year = 7",
        "7 is 700 % a year",
        "0.07",
    ),
    ("volatility_per_year = 0.5", "volatility_per_year = 55", "55 is 5,500 % a year", "0.55"),
]


@pytest.mark.parametrize(("old", "new", "words", "meant"), PERCENT, ids=[p[2] for p in PERCENT])
def test_percent_written_as_whole_number(
    tmp_path: Path, old: str, new: str, words: str, meant: str
) -> None:
    exc = error_of(write(tmp_path, edit(old, new)))
    assert f"{words}; did you mean {meant}?" in exc.message, exc


def test_rate_of_five_a_year_is_accepted(tmp_path: Path) -> None:
    text = edit('model = "constant"', 'model = "growth"\ngrowth_per_year = 5')
    assert load_scenario(write(tmp_path, text)).model.market.network.growth_per_year == 5


# ---------------------------------------------------------------------- 6. dates
def test_sale_before_start_is_refused_at_load(tmp_path: Path) -> None:
    text = edit(
        "holdings_btc = 100", "holdings_btc = 100\nsales = [{ date = 2020-01-01, btc = 1 }]"
    )
    exc = error_of(write(tmp_path, text))
    assert exc.key == "reserve.treasury.sales.0.date", exc
    assert "after the start date" in exc.message


def test_shock_before_start_is_refused_at_load(tmp_path: Path) -> None:
    text = edit(
        "volatility_per_year = 0.5",
        "volatility_per_year = 0.5\nshocks = [{ date = 2025-07-17, change = -0.5 }]",
    )
    exc = error_of(write(tmp_path, text))
    assert exc.key == "market.price.shocks.0.date", exc


def test_purchase_window_before_start_buys_nothing(tmp_path: Path) -> None:
    text = edit(
        "holdings_btc = 100",
        "holdings_btc = 100\npurchases = [{ btc_per_day = 1, end_date = 2024-01-01 }]",
    )
    s = load_scenario(write(tmp_path, text))
    assert not plan(s.model, s.path).reserves.prog_btc.any()


def test_state_from_a_date_before_start_is_in_effect_at_start(tmp_path: Path) -> None:
    text = edit(
        "power_mw = 100",
        "power_mw = 100\nramp = [{ date = 2020-01-01, fraction = 0.5 }]\n"
        "refreshes = [{ date = 2024-01-01, efficiency_j_per_th = 20 }]",
    )
    text = edit(
        "holdings_btc = 100",
        "holdings_btc = 100\npurchases = [{ btc_per_day = 1, start_date = 2020-01-01 }]",
        text,
    )
    s = load_scenario(write(tmp_path, text))
    p = plan(s.model, s.path)
    ref = load_scenario(write(tmp_path, GOOD, "ref.toml"))
    p_ref = plan(ref.model, ref.path)
    # half the power, at 20 instead of 17.5 J/TH, from day 0
    assert p.own_ths[0, 0] == pytest.approx(p_ref.own_ths[0, 0] * 0.5 * 17.5 / 20)
    assert p.reserves.prog_btc[0, 0] == 1.0


# ------------------------------------------------------------------ 7. --set
@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ("mining.plant.pue=0.5", "mining.plant.pue", "greater than or equal to 1"),
        ("mining.plant.power_mv=3", "mining.plant.power_mv", "did you mean 'power_mw'"),
        ("mining.plant.power_mw=1e300", "mining.plant.power_mw", "plausible"),
        ("mining.plant.power_mw=nan", "mining.plant.power_mw.value", "finite"),
        ("mining.plnt.pue=1.2", "mining.plnt", "no entity (did you mean 'plant'?)"),
        ("mining.plant.reserve=nope", "mining.plant.reserve", "no reserve named 'nope'"),
        ("scenario.start_date=9999-01-01", "scenario.start_date", "plausible"),
        ("market.network.start_ehs.value=3", "market.network.start_ehs.value", "plain value"),
    ],
)
def test_set_error_names_the_override(tmp_path: Path, text: str, key: str, words: str) -> None:
    exc = error_of(write(tmp_path, GOOD), (text,))
    assert exc.file == f"--set {text}", exc
    assert exc.key == key, exc
    assert words in exc.message, exc


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("mining.plant.ramp.0.fraction=0.5", "cannot address list items"),
        ("mining.plant.ramp.0=1", "cannot address list items"),
        ("mining.plant.name=5", "expected a string"),
    ],
)
def test_set_cannot_reach_list_items_or_rename_badly(tmp_path: Path, text: str, words: str) -> None:
    exc = error_of(write(tmp_path, GOOD), (text,))
    assert exc.file == f"--set {text}" and exc.key == text.split("=")[0], exc
    assert words in exc.message, exc


def test_set_can_rename_an_entity(tmp_path: Path) -> None:
    s = load_scenario(write(tmp_path, GOOD), ("mining.plant.name=mine",))
    assert [op.name for op in s.model.mining] == ["mine"]


def test_file_error_is_still_blamed_on_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, edit("power_mw = 100", "power_mw = 0"))
    exc = error_of(path, ("mining.plant.pue=1.2",))
    assert exc.file == str(path), exc


def test_set_error_through_cli(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    result = runner.invoke(app, ["explain", str(path), "--set", "reserve=5"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: --set reserve=5: reserve: expected a list")
    assert len(result.output.strip().splitlines()) == 1


# ------------------------------------------------------------- 8. many problems
def test_several_problems_all_reported(tmp_path: Path) -> None:
    text = edit("paths = 10", "paths = 0").replace("power_mw = 100", "power_mw = -1")
    text = text.replace("start_usd = 100000", 'start_usd = "x"')
    exc = error_of(write(tmp_path, text))
    assert exc.key == "scenario.paths", exc
    for key in ("market.price.start_usd", "mining.plant.power_mw"):
        assert key in exc.message, exc


def test_long_input_is_shortened(tmp_path: Path) -> None:
    exc = error_of(write(tmp_path, edit('name = "plant"', f'name = "{"x" * 100_000}"')))
    assert len(str(exc)) < 600


# ------------------------------------------------------------ shipped scenarios
SHIPPED = sorted(p for p in (PROJECT / "scenarios").rglob("*.toml") if "parts" not in p.parts)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenarios_still_validate(path: Path) -> None:
    s = load_scenario(path, shipped_overrides(path))
    assert s.model.scenario.start_date >= dt.date(2009, 1, 3)
