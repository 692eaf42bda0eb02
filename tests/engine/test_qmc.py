"""Randomised quasi-Monte Carlo (``scenario.variance_reduction = "qmc"``).

The Brownian bridge is checked by hand on two days and statistically (its
increments are independent N(0, 1)); a QMC run must be unbiased (within 4
standard errors of plain Monte Carlo at a fixed seed), its errors must be
honest (the spread over seeds matches them), and what holds without it must
hold with it: the first n paths equal a run of n, every backend gives the same
numbers, and the price does not depend on the exchange rate.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from support import MINIMAL_SCENARIO, check_within_4_se, write_scenario
from typer.testing import CliRunner

from cli import app
from simulator.engine.market import market_block, market_block_fx
from simulator.engine.plan import plan
from simulator.inputs.scenario import load_scenario
from simulator.model.qmc import QMC_DIMS, bridge_increments, bridge_order, sobol_normals
from simulator.results.simulate import simulate
from simulator.results.stats import path_stats

BASE = "scenarios/baseline.toml"
QMC = 'scenario.variance_reduction="qmc"'
SHORT = ["scenario.horizon_years=2"]


def _run(sets: list[str], backend: str = "threads") -> object:
    return simulate(load_scenario(BASE, [*SHORT, *sets]), backend=backend)


# ------------------------------------------------------------------ the bridge
def test_the_bridge_on_two_days_by_hand() -> None:
    # W_2 = sqrt(2) z0; W_1 = W_2 / 2 + sqrt(1 * 1 / 2) z1 (midpoint of a 2-day bridge)
    z0, z1 = 1.0, 2.0
    w2 = math.sqrt(2.0) * z0
    w1 = 0.5 * w2 + math.sqrt(0.5) * z1
    got = bridge_increments(np.array([[z0, z1]]))
    np.testing.assert_allclose(got, [[w1, w2 - w1]], rtol=1e-15)


@pytest.mark.parametrize("n_days", [1, 2, 7, 365, 3653])
def test_the_order_fills_each_day_once_from_earlier_points(n_days: int) -> None:
    points, left, right, w_left, w_right, sd = bridge_order(n_days)
    assert sorted(points.tolist()) == list(range(1, n_days + 1))
    assert points[0] == n_days and left[0] == right[0] == 0
    seen = {0}
    for k, p in enumerate(points):
        assert left[k] in seen and right[k] in seen, k  # neighbours built before
        assert left[k] < p <= right[k] or k == 0
        seen.add(int(p))
    np.testing.assert_allclose(w_left + w_right, np.r_[0.0, np.ones(n_days - 1)])
    if n_days >= 512:  # levels 0 to 7 are the first 128 points, about evenly spread
        gaps = np.diff(np.sort(np.r_[0, points[:QMC_DIMS]]))
        assert gaps.max() <= math.ceil(n_days / 128)


def test_bridge_increments_are_independent_standard_normals() -> None:
    # sample covariance of n draws: an entry's SE is 1/sqrt(n) off the diagonal and
    # sqrt(2/n) on it; 4 SE with n = 100,000
    n = 100_000
    z = np.random.default_rng(11).standard_normal((n, 9))
    inc = bridge_increments(z[:, :4], z[:, 4:])  # a Sobol'-style head and a tail
    cov = np.cov(inc.T)
    off = cov[~np.eye(9, dtype=bool)]
    assert np.abs(off).max() < 4 / math.sqrt(n)
    assert np.abs(np.diag(cov) - 1).max() < 4 * math.sqrt(2 / n)
    # and the path is the sum of the increments: W_9 = sqrt(9) z0 exactly
    np.testing.assert_allclose(inc.sum(axis=1), 3.0 * z[:, 0], atol=1e-12)


def test_sobol_normals_need_a_power_of_two_and_keep_their_first_rows() -> None:
    with pytest.raises(ValueError, match="power of two"):
        sobol_normals(np.random.default_rng(1), 1000, 3)
    a = sobol_normals(np.random.default_rng(1), 1024, 5)
    b = sobol_normals(np.random.default_rng(1), 512, 5)
    np.testing.assert_array_equal(a[:512], b)
    assert np.isfinite(a).all()
    # a scrambled net of 1,024 points puts exactly 1,024 / 8 points in each octile of a
    # coordinate (a (0, 1)-net in one dimension: every interval [j/1024, (j+1)/1024) once)
    octile = np.floor(8 * (0.5 * (1 + np.vectorize(math.erf)(a[:, 0] / math.sqrt(2)))))
    assert np.bincount(octile.astype(int), minlength=8).tolist() == [128] * 8
    # each coordinate sits in the middle of its cell of 2**-30: k = 0 maps to -6.2, not -inf
    from scipy.special import ndtr, ndtri

    cells = ndtr(a) * 2.0**30 - 0.5
    np.testing.assert_allclose(cells, np.round(cells), atol=1e-3)
    assert np.abs(a).max() <= -ndtri(0.5 / 2.0**30) + 1e-9


def test_the_streams_take_different_sobol_dimensions() -> None:
    """Price, network and exchange-rate shocks of a QMC block are uncorrelated.

    Were two streams dealt the same Sobol' columns, their horizon values
    W_N would be perfectly correlated; 8 blocks of independent ones give
    correlations within 4 / sqrt(8192) = 0.044 of 0.
    """
    from simulator.engine.normals import BlockNormals

    blocks = [BlockNormals(5, b, 1024, 730, "qmc") for b in range(8)]
    w = np.concatenate(
        [np.stack([block.normals(k).sum(axis=1) for k in range(3)]) for block in blocks], axis=1
    )
    corr = np.corrcoef(w)
    assert np.abs(corr[np.triu_indices(3, 1)]).max() < 4 / math.sqrt(w.shape[1])
    # and each is N(0, N): sd of W_N / sqrt(730) within 4 SE (sqrt(1 / (2 n))) of 1
    assert np.abs(w.std(axis=1) / math.sqrt(730) - 1).max() < 4 / math.sqrt(2 * w.shape[1])


def test_a_gbm_mean_price_has_its_known_value(tmp_path: Path) -> None:
    """E[S_T] = S_0 exp(mu T) for a GBM, within 4 QMC standard errors.

    S_0 = 100,000, mu = 0.3 a year, T = days / 365.25 at the last day.
    """
    path = write_scenario(tmp_path, MINIMAL_SCENARIO)
    sets = [QMC, "scenario.paths=8192", "market.price.expected_return_per_year=0.3"]
    result = simulate(load_scenario(path, sets))
    row = result.summary.set_index(["entity", "metric"]).loc[("market", "price_usd")]
    expected = 100_000 * math.exp(0.3 * result.meta["days"] / 365.25)
    assert 0 < row["mean_se"] < 0.01 * expected
    assert abs(row["mean"] - expected) <= 4 * row["mean_se"], (row["mean"], expected)


# ------------------------------------------------------------------ runs
@pytest.fixture(scope="module")
def summaries() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plain and QMC summaries, 8,192 paths (32 QMC sets), the same seed and horizon."""
    plain = _run(["scenario.paths=8192"]).summary.set_index(["entity", "metric"])
    qmc = _run([QMC, "scenario.paths=8192"]).summary.set_index(["entity", "metric"])
    return plain, qmc


def test_unbiased_against_plain_monte_carlo(summaries: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    """Each key mean and median within 4 combined standard errors of plain Monte Carlo.

    QMC's tail normals come from the same pseudo-random streams as plain
    Monte Carlo's, but laid out differently (a row's draws fill other days)
    and behind Sobol' heads, so the two runs are independent in effect: the
    difference has sd sqrt(se_a^2 + se_b^2). (Plain Monte Carlo's error
    dominates; test_a_gbm_mean_price_has_its_known_value checks QMC alone.)
    """
    plain, qmc = summaries
    assert check_within_4_se(qmc, plain) == 11


def test_qmc_cuts_the_reserve_errors_at_equal_paths(
    summaries: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    plain, qmc = summaries
    for key in [("el_salvador", "value_usd"), ("market", "price_usd")]:
        for stat in ("mean_se", "p50_se"):
            assert qmc.loc[key, stat] < plain.loc[key, stat] / 2, (key, stat)


def test_the_between_set_errors_match_the_spread_over_seeds() -> None:
    """Reported QMC errors (a mean, two percentiles) against their spread over 16 seeds.

    Each run has 16 Sobol' sets, so its error has 15 degrees of freedom; the
    mean of 16 squared errors has 240, the seeds' sample variance 15. Their
    ratio is about F(15, 240): its 0.1 % and 99.9 % points are 0.228 and 2.65
    (scipy.stats.f.ppf), so the ratio of standard deviations must lie in
    [0.48, 1.63].
    """
    checked = [
        (("el_salvador", "value_usd"), "mean"),
        (("pakistan", "margin_usd"), "p50"),  # a rank-spread percentile error
        (("el_salvador", "value_usd"), "p5"),
    ]
    rows = []
    for seed in range(16):
        r = _run([QMC, "scenario.paths=4096", "scenario.horizon_years=1", f"scenario.seed={seed}"])
        rows.append(r.summary.set_index(["entity", "metric"]))
    for key, stat in checked:
        values = [row.loc[key, stat] for row in rows]
        ses = [row.loc[key, f"{stat}_se"] for row in rows]
        ratio = float(np.std(values, ddof=1) / math.sqrt(np.mean(np.square(ses))))
        assert 0.48 <= ratio <= 1.63, (key, stat, ratio)


def test_first_n_paths_equal_a_run_of_n_and_backends_agree() -> None:
    long = _run([QMC, "scenario.paths=3000"], backend="serial")
    short = _run([QMC, "scenario.paths=2500"], backend="threads")
    pd.testing.assert_frame_equal(
        long.path_metrics.iloc[:2500].reset_index(drop=True),
        short.path_metrics.reset_index(drop=True),
    )
    again = _run([QMC, "scenario.paths=3000"], backend="processes")
    pd.testing.assert_frame_equal(long.summary, again.summary)
    pd.testing.assert_frame_equal(long.path_metrics, again.path_metrics)


def test_the_price_does_not_depend_on_the_exchange_rate(tmp_path: Path) -> None:
    text = MINIMAL_SCENARIO.replace(
        'model = "constant"\nstart_ehs = 900',
        'model = "gbm"\nstart_ehs = 900\nvolatility_per_year = 0.3\ncorrelation_with_price = 0.4',
    ).replace(
        "[chain]",
        '[market.fx]\nmodel = "gbm"\ncurrency = "PKR"\nstart_lcu_per_usd = 283.5\n'
        "volatility_per_year = 0.1\ncorrelation_with_price = 0.3\n\n[chain]",
    )
    path = write_scenario(tmp_path, text)
    model = load_scenario(path, [QMC, "scenario.paths=2048"]).model
    p = plan(model, str(path))
    args = (model, p.market, 7, 1, 100, p.n_days, p.shock_days, p.shock_changes)
    price, rest = market_block(*args)
    price_fx, rest_fx, fx = market_block_fx(*args)
    np.testing.assert_array_equal(price, price_fx)
    np.testing.assert_array_equal(rest, rest_fx)
    assert fx is not None and np.ptp(fx[:, -1]) > 0
    # the first 40 paths of the block are the same whatever its size
    few = market_block_fx(model, p.market, 7, 1, 40, p.n_days, p.shock_days, p.shock_changes)
    np.testing.assert_array_equal(few[0], price[:40])
    assert few[2] is not None
    np.testing.assert_array_equal(few[2], fx[:40])


def test_grouped_errors_reduce_to_the_independent_ones_for_independent_groups() -> None:
    # 97 groups of 1,024 independent normals: the sd of the group sums estimates
    # sqrt(1024) sd(x) with a relative SE of 1/sqrt(2 * 96) = 7 %; 4 SE is 29 %
    x = np.random.default_rng(3).standard_normal(100_000)
    iid = path_stats(x, (5, 50, 95))
    grouped = path_stats(x, (5, 50, 95), group=1024)
    assert grouped.mean_se == pytest.approx(iid.mean_se, rel=0.29)
    assert np.allclose(grouped.percentile_se, iid.percentile_se, rtol=0.29)
    # under two complete groups there is no error to give
    assert math.isnan(float(path_stats(x[:2000], (50,), group=1024).mean_se))


def test_a_probability_whose_groups_all_tie_is_known_to_one_path() -> None:
    # 8 groups of 256 with exactly 64 outcomes each: the group sums do not vary, yet
    # a share of 2,048 paths is known no closer than one path, 1 / 2,048
    outcome = np.tile(np.r_[np.ones(64), np.zeros(192)], 8)
    st = path_stats(outcome, (), probability=True, group=256)
    assert float(st.mean) == 0.25
    assert float(st.mean_se) == pytest.approx(1 / 2048)
    # a certain outcome keeps its zero error
    assert float(path_stats(np.ones(2048), (), probability=True, group=256).mean_se) == 0.0


@pytest.mark.parametrize(
    ("file", "paths", "words"),
    [
        ("price_models/t.toml", 4096, ["'t' price model", "'antithetic' or 'none'"]),
        ("price_models/jump.toml", 4096, ["'jump' price model", "set 'none'"]),
        ("price_models/bootstrap.toml", 4096, ["'bootstrap' price model", "set 'none'"]),
        ("baseline.toml", 500, ["paths >= 512", "500"]),
    ],
)
def test_qmc_refusals_are_one_line(tmp_path: Path, file: str, paths: int, words: list[str]) -> None:
    sets = ["--set", QMC, "--set", f"scenario.paths={paths}"]
    out = CliRunner().invoke(app, ["run", file, *sets, "--out", str(tmp_path / "o")])
    assert out.exit_code == 2, out.output
    assert "scenario.variance_reduction" in out.output
    for word in words:
        assert word in out.output
    assert len(out.output.strip().splitlines()) == 1
