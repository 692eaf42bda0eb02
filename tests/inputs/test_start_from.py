"""``[scenario] start_from``: a scenario's start read from a history file, labelled ``data``.

The known answer is the shared history file's last day, 2025-12-31: height
930,345 (the backtest's inference), and that day's price and difficulty as
the file states them (read here with the csv module).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from simulator.inputs.errors import InputError
from simulator.inputs.scenario import load_scenario
from tests.support import PROJECT

FROM_HISTORY = PROJECT / "scenarios" / "from_history.toml"


def _row(history: Path, day: str) -> dict[str, str]:
    with open(history, newline="", encoding="utf-8") as fh:
        return next(r for r in csv.DictReader(fh) if r["date"] == day)


def test_from_history_starts_on_the_files_last_full_day(real_history_file: Path) -> None:
    scenario = load_scenario(FROM_HISTORY, [f"scenario.start_from={real_history_file}"])
    row = _row(real_history_file, "2025-12-31")
    model = scenario.model
    assert model.scenario.start_date.isoformat() == "2025-12-31"
    assert model.chain.start_height == 930_345
    assert model.market.price.start_usd == float(row["price_usd"])
    assert model.chain.start_difficulty == float(row["difficulty"])
    data = {k: i for k, i in scenario.inputs.items() if i.provenance == "data"}
    assert set(data) >= {
        "scenario.start_from", "scenario.start_date", "market.price.start_usd",
        "chain.start_height", "chain.start_difficulty", "market.network.start_ehs",
        "chain.fees_btc_per_block",
    }  # fmt: skip
    assert "btc_daily.csv, price_usd on 2025-12-31" in data["market.price.start_usd"].source
    assert scenario.counts()["data"] == len(data)


def test_a_written_value_wins_over_the_file(real_history_file: Path) -> None:
    scenario = load_scenario(
        FROM_HISTORY,
        [f"scenario.start_from={real_history_file}", "chain.fees_btc_per_block=0.05"],
    )
    fees = scenario.inputs["chain.fees_btc_per_block"]
    assert fees.value == 0.05 and fees.provenance == "assumption"
    assert scenario.inputs["chain.start_height"].provenance == "data"


def test_a_given_start_date_reads_that_day(real_history_file: Path) -> None:
    scenario = load_scenario(
        FROM_HISTORY,
        [f"scenario.start_from={real_history_file}", "scenario.start_date=2024-06-30"],
    )
    row = _row(real_history_file, "2024-06-30")
    assert scenario.model.market.price.start_usd == float(row["price_usd"])
    assert scenario.inputs["scenario.start_date"].provenance == "assumption"  # written


@pytest.mark.parametrize(
    ("sets", "says"),
    [
        ([], '"latest" needs a history file'),
        (["scenario.start_from=nope.csv"], "file not found"),
        (["scenario.start_from=5"], "expected a file path"),
        (["scenario.start_from={real}", "scenario.start_date=2030-01-01"], "outside the file"),
        (["scenario.start_from={real}", 'scenario.start_date="soon"'], "a date or"),
    ],
)
def test_bad_start_from_is_one_line(real_history_file: Path, sets: list[str], says: str) -> None:
    with pytest.raises(InputError) as caught:
        load_scenario(FROM_HISTORY, [s.replace("{real}", str(real_history_file)) for s in sets])
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_plain_file_without_chain_columns_names_the_column(tmp_path: Path) -> None:
    plain = tmp_path / "prices.csv"
    plain.write_text("date,price_usd\n2025-01-01,90000\n2025-01-02,91000\n", encoding="utf-8")
    with pytest.raises(InputError, match="column"):
        load_scenario(FROM_HISTORY, [f"scenario.start_from={plain}"])
