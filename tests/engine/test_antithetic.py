"""Antithetic variates (``scenario.variance_reduction = "antithetic"``).

The estimates must stay unbiased (within 4 standard errors of plain Monte
Carlo at a fixed seed), the paths must come in mirrored pairs, and what stays
true without it must stay true with it: the first n paths equal a run of n,
and any backend gives the same numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from support import check_within_4_se
from typer.testing import CliRunner

from cli import app
from simulator.inputs.scenario import load_scenario
from simulator.model.shocks import mirrored
from simulator.results.simulate import simulate
from simulator.results.stats import path_stats

BASE = "scenarios/baseline.toml"
ANTI = 'scenario.variance_reduction="antithetic"'
SHORT = ["scenario.horizon_years=2"]


def _run(sets: list[str], backend: str = "threads") -> object:
    return simulate(load_scenario(BASE, [*SHORT, *sets]), backend=backend, keep_paths=True)


def test_mirrored_pairs_and_the_prefix_property() -> None:
    half = np.arange(6.0).reshape(3, 2)
    out = mirrored(half, 5)
    assert out.shape == (5, 2)
    assert out[0::2].tolist() == half.tolist()
    assert (out[1::2] == -half[:2]).all()
    # an odd n ends on the first member of a pair: the first rows of a longer block
    assert (mirrored(half, 6)[:5] == out).all()


def test_the_price_paths_come_in_mirrored_pairs() -> None:
    # gbm: log price = log S0 + drift t + sigma W_t, so mirrored W give constant pair sums
    assert load_scenario(BASE).model.market.price.model == "gbm"
    result = _run([ANTI, "scenario.paths=64"])
    paths = result.paths  # (variables, dates, paths)
    price = paths[result.variables.index(("market", "price_usd"))]
    logs = np.log(price.astype(np.float64))
    pair_sums = logs[:, 0::2] + logs[:, 1::2]  # log P_2k + log P_2k+1 = 2 (log S0 + drift t)
    spread = pair_sums.max(axis=1) - pair_sums.min(axis=1)
    assert spread.max() < 1e-5  # float32 recorded paths
    assert np.ptp(logs[-1]) > 1.0  # the paths themselves do differ


@pytest.fixture(scope="module")
def summaries() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plain and antithetic summaries of the same 4,000 paths' scenario, seed and horizon."""
    plain = _run(["scenario.paths=4000"]).summary.set_index(["entity", "metric"])
    anti = _run([ANTI, "scenario.paths=4000"]).summary.set_index(["entity", "metric"])
    return plain, anti


def test_unbiased_against_plain_monte_carlo(summaries: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Each key estimate within 4 combined standard errors of plain Monte Carlo.

    Both runs have 4,000 paths and the same seed, but different draws; their
    errors are independent, so the difference has sd sqrt(se_a^2 + se_b^2).
    A median error below one rank is floored at one rank (see path_stats).
    """
    plain, anti = summaries
    assert check_within_4_se(anti, plain) == 11


def test_pairs_reduce_the_error_of_the_mean_at_equal_paths(
    summaries: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    plain, anti = summaries
    for key in [("pakistan", "margin_usd"), ("el_salvador", "value_usd")]:
        assert anti.loc[key, "mean_se"] < plain.loc[key, "mean_se"]


def test_first_n_paths_equal_a_run_of_n_and_backends_agree() -> None:
    long = _run([ANTI, "scenario.paths=1500"], backend="serial")
    short = _run([ANTI, "scenario.paths=1001"], backend="threads")
    pd.testing.assert_frame_equal(
        long.path_metrics.iloc[:1001].reset_index(drop=True),
        short.path_metrics.reset_index(drop=True),
    )
    again = _run([ANTI, "scenario.paths=1500"], backend="threads")
    pd.testing.assert_frame_equal(long.summary, again.summary)


def test_pair_errors_reduce_to_the_independent_ones_for_independent_pairs() -> None:
    # independent normals, read as pairs: the pair errors estimate the same thing
    x = np.random.default_rng(3).standard_normal(20_000)
    iid = path_stats(x, (5, 50, 95))
    paired = path_stats(x, (5, 50, 95), group=2)
    assert paired.mean_se == pytest.approx(iid.mean_se, rel=0.05)
    # the rank spread of independent pairs is binomial: sqrt(m var(I1 + I2)) ~ sqrt(n q (1-q))
    assert np.allclose(paired.percentile_se, iid.percentile_se, rtol=0.1)
    # a perfectly mirrored sample: the median is known to one rank, not to zero
    mirror = np.repeat(x[:10_000], 2)
    mirror[1::2] *= -1
    st = path_stats(mirror, (50,), group=2)
    assert 0 < st.percentile_se[0] < 1e-3


def test_a_model_without_a_mirror_image_says_so(tmp_path) -> None:
    out = CliRunner().invoke(
        app, ["run", "price_models/jump.toml", "--set", ANTI, "--out", str(tmp_path / "o")]
    )
    assert out.exit_code == 2
    assert "scenario.variance_reduction" in out.output and "'jump'" in out.output
    assert len(out.output.strip().splitlines()) == 1


def test_plain_against_antithetic_is_not_common_random_numbers() -> None:
    from simulator.analysis.compare import market_differences

    plain = load_scenario(BASE, SHORT)
    anti = load_scenario(BASE, [*SHORT, ANTI])
    assert market_differences([plain, anti]) == ["scenario.variance_reduction"]
    assert market_differences([anti, load_scenario(BASE, [*SHORT, ANTI])]) == []


def test_an_odd_last_path_adds_its_own_variance() -> None:
    # pairs with zero mean each: the mean of 2m + 1 paths is x_last / n, whose sd is
    # sd(x) / n; the complete pairs add nothing (the review's worst case: 1.6x before)
    z = np.random.default_rng(5).standard_normal(101)
    x = mirrored(z.reshape(-1, 1), 201)[:, 0]
    assert x.size == 201 and x[:200].reshape(-1, 2).sum(axis=1).max() == 0.0
    st = path_stats(x, (50,), group=2)
    assert st.mean_se == pytest.approx(x.std(ddof=1) / x.size)


def test_p_beats_is_paired_when_either_run_is() -> None:
    from simulator.analysis.path_outcomes import beats_se
    from simulator.analysis.variants import parse_metric

    plain = _run(["scenario.paths=512"])
    anti = _run([ANTI, "scenario.paths=512"])
    ref = parse_metric("pakistan.margin_usd", plain_model := load_scenario(BASE, SHORT).model)
    assert plain_model.scenario.variance_reduction == "none"
    a = plain.path_metrics["pakistan.margin_usd"].to_numpy()
    b = anti.path_metrics["pakistan.margin_usd"].to_numpy()
    better = (b > a).astype(float)
    paired = path_stats(better, (), probability=True, group=2).mean_se
    assert beats_se(plain, anti, ref) == pytest.approx(paired)
    # the other way round, and over the common first paths when the counts differ
    worse = (a > b).astype(float)
    assert beats_se(anti, plain, ref) == pytest.approx(
        path_stats(worse, (), probability=True, group=2).mean_se
    )
    short = _run([ANTI, "scenario.paths=301"])
    c = short.path_metrics["pakistan.margin_usd"].to_numpy()
    assert beats_se(plain, short, ref) == pytest.approx(
        path_stats((c > a[:301]).astype(float), (), probability=True, group=2).mean_se
    )
