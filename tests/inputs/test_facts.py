"""Tests for the cited-facts registry (simulator/facts.py, simulator/facts.toml)."""

import dataclasses
import datetime
import re
import textwrap
import tomllib
from pathlib import Path

import pytest
from support import SHARED

from simulator.inputs.facts import (
    DEFAULT_PATH,
    QUALIFIERS,
    DerivedFact,
    Fact,
    FactRegistry,
    FactsFileError,
    Source,
    UnknownFactError,
    evaluate_formula,
    evaluate_interval,
    formula_inputs,
    load_facts,
)

SEEDS_DIR = SHARED / "seeds"

REQUIRED_IDS = [
    "el_salvador.reserve_btc",
    "el_salvador.reserve_value_usd",
    "el_salvador.unrealized_profit_usd",
    "el_salvador.legal_tender_date",
    "pakistan.mining_power_mw",
    "pakistan.crypto_holders",
    "pakistan.crypto_economy_usd",
    "pakistan.digital_assets_authority_date",
    "imf.pakistan_facility_usd",
    "imf.pakistan_facility_end_year",
    "imf.rejected_mining_power_subsidy",
]
REQUIRED_DERIVED = [
    "btc_price.implied_usd",
    "el_salvador.cost_basis_usd",
    "el_salvador.cost_basis_usd_per_btc",
]


@pytest.fixture(scope="module")
def reg() -> FactRegistry:
    return load_facts()


def _seeds() -> dict[str, str]:
    if not SEEDS_DIR.is_dir():
        pytest.skip(f"seed articles not found at {SEEDS_DIR} (expected ../shared/seeds)")
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt"))}


# ------------------------------------------------------------------ the file


def test_registry_loads_and_is_cached(reg):
    assert len(reg) >= len(REQUIRED_IDS) + len(REQUIRED_DERIVED)
    assert load_facts() is reg
    assert load_facts(DEFAULT_PATH) is not reg  # explicit paths are not cached
    assert load_facts(str(DEFAULT_PATH)).ids() == reg.ids()


@pytest.mark.parametrize("fact_id", REQUIRED_IDS)
def test_required_cited_ids_present(reg, fact_id):
    fact = reg.get(fact_id)
    assert isinstance(fact, Fact)
    assert fact.provenance == "cited"


@pytest.mark.parametrize("fact_id", REQUIRED_DERIVED)
def test_required_derived_ids_present(reg, fact_id):
    fact = reg.get(fact_id)
    assert isinstance(fact, DerivedFact)
    assert fact.provenance == "derived"
    assert fact.citation() == f"derived: {fact.formula}"


def test_every_fact_has_sources_and_claim(reg):
    for fact in reg.cited():
        assert fact.sources, fact.id
        assert fact.claim.strip(), fact.id
        assert fact.canonical_rule.strip(), fact.id
        assert isinstance(fact.as_of, datetime.date)
        for src in fact.sources:
            assert src.qualifier in QUALIFIERS
            assert isinstance(src.published, datetime.date)
            assert datetime.date(2025, 7, 16) <= src.published <= datetime.date(2025, 7, 17)
            assert src.outlet and src.figure and src.seed
    for fact in reg.derived():
        assert fact.claim.strip() and fact.inputs


def test_numeric_facts_have_spread_containing_value(reg):
    for fact in reg.cited():
        if fact.is_numeric:
            assert fact.spread is not None, fact.id
            assert fact.low <= fact.value <= fact.high, fact.id
        else:
            assert fact.spread is None, fact.id


def test_el_salvador_holdings_keep_disagreeing_statements(reg):
    fact = reg.get("el_salvador.reserve_btc")
    assert fact.value == 6238
    assert fact.unit == "BTC"
    assert fact.as_of == datetime.date(2025, 7, 17)
    figures = {(s.figure, s.qualifier) for s in fact.sources}
    assert len(figures) >= 4
    for expected in [
        ("6,238", "exact"),
        ("over 6,000", "over"),
        ("over 6,200", "over"),
        ("6,200", "exact"),
        ("over 6,240", "over"),
    ]:
        assert expected in figures
    assert "exact" in fact.canonical_rule.lower()
    low, high = fact.spread
    assert low <= 6238 <= high
    assert (low, high) == (6000, 6240)
    (tracker,) = [s for s in fact.sources if s.via]
    assert tracker.via == "BitcoinTreasuries.NET"
    assert tracker.seed.startswith("004_")


def test_reserve_value_sources(reg):
    fact = reg.get("el_salvador.reserve_value_usd")
    assert fact.value == 745e6
    figures = [s.figure for s in fact.sources]
    assert "about $745 million" in figures
    assert "over $700 million" in figures
    assert any("$740 million" in f for f in figures)
    assert fact.spread == (700e6, 745e6)


def test_other_canonical_values(reg):
    assert reg.value("el_salvador.unrealized_profit_usd") == 350e6
    assert reg.value("el_salvador.legal_tender_date") == "2021-09"
    assert reg.get("el_salvador.legal_tender_date").unit == "month"
    assert reg.value("pakistan.mining_power_mw") == 2000
    assert reg.value("pakistan.crypto_economy_usd") == 25e9
    assert reg.value("pakistan.digital_assets_authority_date") == "2025-05"
    assert reg.value("imf.pakistan_facility_usd") == 7e9
    assert reg.value("imf.pakistan_facility_end_year") == 2027
    assert reg.value("imf.rejected_mining_power_subsidy") is True
    end = {s.figure for s in reg.get("imf.pakistan_facility_end_year").sources}
    assert end == {"until 2027", "well into 2027", "through 2027"}


def test_pakistan_holders_canonical_is_common_to_all_ranges(reg):
    fact = reg.get("pakistan.crypto_holders")
    assert fact.value == 20e6
    assert fact.spread == (15e6, 40e6)
    assert {s.qualifier for s in fact.sources} == {"range", "up to"}
    for src in fact.sources:  # 20 million lies in every source's stated range
        lo, hi = src.stated
        if src.qualifier == "up to":
            lo = 0.0
        assert lo <= fact.value <= hi


def test_outlets_and_seeds(reg):
    by_seed: dict[str, set[str]] = {}
    for fact in reg.cited():
        for src in fact.sources:
            by_seed.setdefault(src.seed[:3], set()).add(src.outlet)
    assert by_seed["000"] == {"Crypto.news"}
    assert by_seed["001"] == {"CryptoSlate"}
    assert by_seed["002"] == {"CryptoNewsBytes"}
    assert by_seed["003"] == {"unattributed (seed 003)"}
    assert by_seed["004"] == {"unattributed (seed 004)"}


def test_citation_format(reg):
    text = reg.get("el_salvador.reserve_btc").citation()
    assert text.startswith(
        "Crypto.news, 'Pakistan and El Salvador establish crypto-centered bilateral "
        "partnership: report', 2025-07-17; CryptoSlate, "
    )
    assert "2025-07-16" in text
    assert text.endswith("(+3 more)")  # 5 seeds, 2 shown; seed 002's two statements count once
    single = reg.get("pakistan.crypto_economy_usd").citation()
    assert single == "unattributed (seed 003), 2025-07-17"


# ------------------------------------------------------------------- derived


def test_implied_price(reg):
    fact = reg.get("btc_price.implied_usd")
    # $745,000,000 / 6,238 BTC = 119,429.304... USD/BTC
    assert fact.value == pytest.approx(745e6 / 6238, rel=1e-9)
    assert fact.value == pytest.approx(119_429.30, abs=0.01)
    assert fact.inputs == ("el_salvador.reserve_value_usd", "el_salvador.reserve_btc")
    assert fact.as_of == datetime.date(2025, 7, 17)
    assert fact.unit == "USD/BTC"


def test_implied_price_spread_is_interval_arithmetic(reg):
    fact = reg.get("btc_price.implied_usd")
    # value in [700e6, 745e6], holdings in [6000, 6240]:
    # low = 700e6 / 6240 = 112,179.49; high = 745e6 / 6000 = 124,166.67
    assert fact.low == pytest.approx(700e6 / 6240, rel=1e-12)
    assert fact.high == pytest.approx(745e6 / 6000, rel=1e-12)
    assert fact.low <= fact.value <= fact.high


def test_cost_basis_is_upper_bound(reg):
    fact = reg.get("el_salvador.cost_basis_usd")
    assert fact.value == pytest.approx(745e6 - 350e6)  # = 395e6
    assert fact.value == 395e6
    assert fact.bound is not None and "upper" in fact.bound.lower()
    # [700e6, 745e6] - [350e6, 350e6] = [350e6, 395e6]
    assert fact.spread == (350e6, 395e6)
    per_btc = reg.get("el_salvador.cost_basis_usd_per_btc")
    assert per_btc.value == pytest.approx(395e6 / 6238, rel=1e-12)  # ~63,321.58
    assert per_btc.inputs == ("el_salvador.cost_basis_usd", "el_salvador.reserve_btc")
    assert per_btc.spread == pytest.approx((350e6 / 6240, 395e6 / 6000))


def test_facts_are_frozen(reg):
    with pytest.raises(dataclasses.FrozenInstanceError):
        reg.get("el_salvador.reserve_btc").value = 1  # type: ignore[misc]


# ------------------------------------------------------------ unknown ids


def test_unknown_id_suggests(reg):
    with pytest.raises(UnknownFactError) as info:
        reg.get("el_salvador.reserve")
    err = info.value
    assert isinstance(err, KeyError)
    assert err.fact_id == "el_salvador.reserve"
    assert err.suggestions[0] == "el_salvador.reserve_btc"
    assert "did you mean" in str(err) and "el_salvador.reserve_btc" in str(err)
    with pytest.raises(UnknownFactError):
        reg["nope.nothing_like_it"]
    assert reg.suggest("qqqqqqqqqqqq") == []
    assert "el_salvador.reserve_btc" in reg.suggest("reserve_btc")
    assert "el_salvador.reserve_btc" in reg
    assert "el_salvador.reserve" not in reg


def test_registry_container_protocol(reg):
    ids = list(reg)
    assert ids == sorted(ids) == reg.ids()
    assert len(reg.cited()) + len(reg.derived()) == len(reg)
    assert all(isinstance(f, Fact) for f in reg.cited())
    assert all(isinstance(f, DerivedFact) for f in reg.derived())


def test_registry_rejects_mismatched_key():
    src = Source("X", datetime.date(2025, 7, 17), "1", "exact", "s.txt")
    fact = Fact("a.b", 1.0, "u", datetime.date(2025, 7, 17), "c", (src,), "r", 1.0, 1.0)
    assert FactRegistry({"a.b": fact}).get("a.b") is fact
    with pytest.raises(ValueError):
        FactRegistry({"a.c": fact})


# ----------------------------------------------------------------- formulas


def test_evaluate_formula():
    vals = {"a.x": 6.0, "b": 4.0, "c.d.e": 2.0}
    assert evaluate_formula("a.x / (b - 1)", vals) == 2.0
    assert evaluate_formula("-a.x + c.d.e * 3", vals) == 0.0
    assert evaluate_formula("(a.x + b) / 2.5", vals) == 4.0
    assert formula_inputs("a.x / (b - a.x) * c.d.e") == ("a.x", "b", "c.d.e")


@pytest.mark.parametrize(
    "formula",
    [
        "__import__('os')",
        "__import__('os').system('true')",
        "a.__class__",
        "a ** 2",
        "a // 2",
        "a % 2",
        "f(a)",
        "a if a else 1",
        "[a]",
        "a[0]",
        "lambda: 1",
        "'text'",
        "True + a",
        "a < 2",
        "",
        "a +",
        "a; b",
        "1e999 * a",
        "x" * 600,
    ],
)
def test_evaluate_formula_rejects_unsafe(formula):
    with pytest.raises(ValueError):
        evaluate_formula(formula, {"a": 1.0, "b": 2.0})


def test_evaluate_formula_errors():
    with pytest.raises(ValueError, match="no value"):
        evaluate_formula("a / b", {"a": 1.0})
    with pytest.raises(ValueError, match="division by zero"):
        evaluate_formula("a / (b - b)", {"a": 1.0, "b": 2.0})
    with pytest.raises(ValueError, match="not a number"):
        evaluate_formula("a + 1", {"a": "text"})  # type: ignore[dict-item]


def test_evaluate_interval():
    bounds = {"a": (1.0, 2.0), "b": (-3.0, 4.0), "c": (2.0, 4.0)}
    assert evaluate_interval("a + c", bounds) == (3.0, 6.0)
    assert evaluate_interval("a - c", bounds) == (-3.0, 0.0)
    assert evaluate_interval("a * b", bounds) == (-6.0, 8.0)
    assert evaluate_interval("a / c", bounds) == (0.25, 1.0)
    assert evaluate_interval("-a", bounds) == (-2.0, -1.0)
    assert evaluate_interval("a / b", bounds) is None  # divisor spans zero
    assert evaluate_interval("2 * a - 1", bounds) == (1.0, 3.0)


# ----------------------------------------------------- malformed registries

GOOD = """
[[fact]]
id = "x.amount"
value = 10
unit = "BTC"
as_of = 2025-07-17
claim = "A test amount."
canonical_rule = "Prefer the exact figure."
low = 8
high = 12

[[fact.sources]]
outlet = "Outlet A"
published = 2025-07-17
figure = "10"
qualifier = "exact"
stated = 10
seed = "a.txt"

[[fact.sources]]
outlet = "Outlet B"
headline = "A headline"
published = "2025-07-16"
figure = "8 to 12"
qualifier = "range"
stated = [8, 12]
seed = "b.txt"

[[fact]]
id = "x.price"
value = 2.5
unit = "USD"
as_of = 2025-07-17
claim = "A test price."
canonical_rule = "Single source."
low = 2.5
high = 2.5

[[fact.sources]]
outlet = "Outlet A"
published = 2025-07-17
figure = "$2.50"
qualifier = "exact"
seed = "a.txt"

[[derived]]
id = "x.total"
formula = "x.amount * x.price"
unit = "USD"
claim = "Amount times price."
bound = "test bound"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "facts.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_good_minimal_registry(tmp_path):
    reg = load_facts(_write(tmp_path, GOOD))
    total = reg.get("x.total")
    assert total.value == 25.0
    assert total.spread == (20.0, 30.0)  # [8, 12] * [2.5, 2.5]
    assert total.as_of == datetime.date(2025, 7, 17)
    amount = reg.get("x.amount")
    assert amount.sources[1].published == datetime.date(2025, 7, 16)
    assert amount.sources[1].stated == (8.0, 12.0)
    assert amount.citation() == "Outlet A, 2025-07-17; Outlet B, 'A headline', 2025-07-16"
    assert amount.citation(limit=1) == "Outlet A, 2025-07-17 (+1 more)"


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('qualifier = "exact"\nstated = 10', 'qualifier = "roughly"\nstated = 10', "qualifier"),
        ('published = 2025-07-17\nfigure = "10"', 'published = "17 July"\nfigure = "10"', "date"),
        ("value = 10", "value = 20", "outside"),
        ("low = 8\nhigh = 12", "low = 7\nhigh = 12", "should be"),
        ("low = 8\nhigh = 12", "low = 9\nhigh = 12", "outside the spread"),
        ("low = 8\nhigh = 12", "low = 8", "both low and high"),
        ('claim = "A test amount."', 'claim = ""', "claim"),
        ('formula = "x.amount * x.price"', 'formula = "x.amount * x.missing"', "x.missing"),
        ('formula = "x.amount * x.price"', "formula = \"__import__('os')\"", "not allowed"),
        ('formula = "x.amount * x.price"', 'formula = "x.amount ** 2"', "not allowed"),
        ('formula = "x.amount * x.price"', 'formula = "x.amount / (x.price - 2.5)"', "zero"),
        ('formula = "x.amount * x.price"', 'formula = "x.total + 1"', "circular"),
        ('bound = "test bound"', "value = 25.0", "computed"),
        ('unit = "BTC"', 'unit = "BTC"\ncolour = "red"', "colour"),
        ('id = "x.price"', 'id = "x.amount"', "duplicate"),
        ('id = "x.price"', 'id = "X price"', "id"),
    ],
)
def test_malformed_registry(tmp_path, old, new, match):
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(FactsFileError, match=match) as info:
        load_facts(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)


def test_missing_sources(tmp_path):
    text = GOOD.replace(
        """[[fact.sources]]
outlet = "Outlet A"
published = 2025-07-17
figure = "$2.50"
qualifier = "exact"
seed = "a.txt"
""",
        "",
    )
    with pytest.raises(FactsFileError, match="at least one source") as info:
        load_facts(_write(tmp_path, text))
    assert info.value.fact_id == "x.price"
    assert info.value.field == "sources"


def test_error_names_id_and_field(tmp_path):
    path = _write(tmp_path, GOOD.replace('"roughly"', "").replace('"exact"', '"circa"', 1))
    with pytest.raises(FactsFileError) as info:
        load_facts(path)
    err = info.value
    assert err.fact_id == "x.amount"
    assert err.field == "sources[0].qualifier"
    assert f"{path}: fact.x.amount.sources[0].qualifier: 'circa' is not one of" in str(err)


def test_invalid_toml(tmp_path):
    with pytest.raises(FactsFileError, match="not valid TOML"):
        load_facts(_write(tmp_path, "[[fact]\nid = "))


def test_month_values_validated(tmp_path):
    text = GOOD.replace("value = 2.5", 'value = "2025-13"').replace(
        'unit = "USD"', 'unit = "month"', 1
    )
    text = text.replace("low = 2.5\nhigh = 2.5\n", "")
    with pytest.raises(FactsFileError, match="YYYY-MM"):
        load_facts(_write(tmp_path, text))


# ---------------------------------------------------- traceability to seeds


def _normalise(text: str) -> str:
    text = text.replace("\u2011", "-").replace("\u2010", "-").replace("\u00a0", " ")
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).casefold()


def test_every_figure_and_headline_appears_in_its_seed(reg):
    seeds = _seeds()
    for fact in reg.cited():
        for src in fact.sources:
            assert src.seed in seeds, f"{fact.id}: unknown seed {src.seed}"
            body = _normalise(seeds[src.seed])
            assert _normalise(src.figure) in body, f"{fact.id}: {src.figure!r} not in {src.seed}"
            if src.headline:
                first_line = _normalise(seeds[src.seed].splitlines()[0])
                assert _normalise(src.headline) == first_line
            if src.via:
                assert _normalise(src.via) in body


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9$]+", _normalise(text))


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _prose_fields() -> list[tuple[str, str]]:
    """Every piece of our own prose in facts.toml (not figures, not headlines)."""
    data = tomllib.loads(DEFAULT_PATH.read_text(encoding="utf-8"))
    out: list[tuple[str, str]] = []
    for kind in ("fact", "derived"):
        for entry in data.get(kind, []):
            for key in ("claim", "canonical_rule", "bound"):
                if key in entry:
                    out.append((f"{entry['id']}.{key}", entry[key]))
            for i, src in enumerate(entry.get("sources", [])):
                for key in ("note", "date_note"):
                    if key in src:
                        out.append((f"{entry['id']}.sources[{i}].{key}", src[key]))
    comments = [line for line in DEFAULT_PATH.read_text().splitlines() if line.startswith("#")]
    out.append(("comments", " ".join(comments)))
    return out


def test_claims_are_paraphrased():
    """No claim, rule or note shares a run of 8+ consecutive words with a seed."""
    seeds = _seeds()
    n = 8
    seed_grams = set().union(*(_ngrams(_words(t), n) for t in seeds.values()))
    fields = _prose_fields()
    assert any(name.endswith(".claim") for name, _ in fields)
    copied = [
        (name, " ".join(gram))
        for name, text in fields
        for gram in _ngrams(_words(text), n)
        if gram in seed_grams
    ]
    assert not copied, f"copied from a seed article: {copied}"


def test_derived_spread_unknown_when_an_input_has_none(tmp_path):
    reg = load_facts(_write(tmp_path, GOOD.replace("low = 2.5\nhigh = 2.5\n", "")))
    assert reg.get("x.price").spread is None
    total = reg.get("x.total")
    assert total.value == 25.0
    assert total.spread is None


def test_importing_facts_stays_cheap():
    """The pydantic schema is imported only when a registry is loaded."""
    import subprocess
    import sys

    code = "import sys, simulator.inputs.facts; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
