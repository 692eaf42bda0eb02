r"""Scores of ensemble forecasts: central-interval coverage, PIT, CRPS and its skill.

For an ensemble :math:`x_1, \dots, x_M` of one forecast and the realised value
:math:`y`:

* **Coverage** of the central :math:`c` interval: whether
  :math:`q_{(1-c)/2} \le y \le q_{(1+c)/2}` with the ensemble's quantiles
  (``numpy.quantile``, linear). Over :math:`n` forecasts the share covered
  has the binomial standard error :math:`\sqrt{\hat p (1 - \hat p)/n}`,
  which assumes independent forecasts; forecasts whose horizons overlap
  (origins closer than the horizon) are positively dependent, so it
  understates the real uncertainty (roughly by :math:`\sqrt{h/s}` for
  horizon :math:`h` and origin step :math:`s`).
* **PIT** (probability integral transform) :math:`F(y) = \#\{x_i < y\}/M +
  \tfrac12 \#\{x_i = y\}/M`: uniform on [0, 1] when the forecast
  distribution is the truth [2]_, humped when it is too wide, U-shaped when
  too narrow, sloped when biased.
* **CRPS** :math:`= E|X - y| - \tfrac12 E|X - X'|` [1]_ [3]_, computed by
  :func:`scoringrules.crps_ensemble` with ``estimator="pwm"`` (the
  probability-weighted-moment form, equal to the *fair* ensemble CRPS [4]_,
  whose expectation does not depend on :math:`M`), on **log** values (log
  USD/BTC, log EH/s): a unit of CRPS is then a relative error, and origins at
  $300 and at $100,000 weigh the same. Lower is better; 0 is a perfect
  point forecast.
* **Skill** against a reference: :math:`1 - \overline{CRPS}_{model} /
  \overline{CRPS}_{ref}` over the same forecasts [1]_; positive is better
  than the reference, 0 as good, negative worse.

References
----------
.. [1] Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules,
   prediction, and estimation. *J. American Statistical Association*
   102(477), 359-378.
.. [2] Gneiting, T., Balabdaoui, F. & Raftery, A. E. (2007). Probabilistic
   forecasts, calibration and sharpness. *J. Royal Statistical Society B*
   69(2), 243-268.
.. [3] Hersbach, H. (2000). Decomposition of the continuous ranked
   probability score for ensemble prediction systems. *Weather and
   Forecasting* 15(5), 559-570.
.. [4] Ferro, C. A. T. (2014). Fair scores for ensemble forecasts.
   *Q. J. Royal Meteorological Society* 140, 1917-1923; Zamo, M. & Naveau, P.
   (2018), *Mathematical Geosciences* 50, 209-234 (the PWM form).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "CRPS_ESTIMATOR",
    "PIT_BINS",
    "QUANTILES",
    "binomial_se",
    "crps_log",
    "pit",
    "score_table",
    "skill",
    "summarise_ensembles",
]

#: The scoringrules estimator: the PWM form, equal to the fair CRPS.
CRPS_ESTIMATOR = "pwm"
#: Bins of the PIT histogram.
PIT_BINS = 10
#: Ensemble quantiles recorded per forecast: the 90 % and 50 % central intervals and the median.
QUANTILES: tuple[float, ...] = (0.05, 0.25, 0.5, 0.75, 0.95)


def crps_log(values: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """Ensemble CRPS of log values [log units] by ``scoringrules.crps_ensemble``.

    Parameters
    ----------
    values : numpy.ndarray
        Ensembles, ``(n, M)``, positive [USD/BTC or EH/s].
    realised : numpy.ndarray
        Realised values, ``(n,)``, positive, same unit.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` CRPS of ``log(values)`` against ``log(realised)``.
    """
    import scoringrules

    result = scoringrules.crps_ensemble(
        np.log(realised), np.log(values), estimator=CRPS_ESTIMATOR, backend="numpy"
    )
    return np.asarray(result, dtype=np.float64)


def pit(values: np.ndarray, realised: np.ndarray) -> np.ndarray:
    """PIT of each realised value in its ensemble, ``(n,)`` in [0, 1] (ties count half)."""
    below = (values < realised[:, None]).mean(axis=1)
    ties = (values == realised[:, None]).mean(axis=1)
    return np.asarray(below + 0.5 * ties, dtype=np.float64)


def summarise_ensembles(values: np.ndarray, realised: np.ndarray) -> dict[str, np.ndarray]:
    """Quantiles, PIT, interval hits and log CRPS of ``n`` ensembles ``(n, M)``.

    Returns
    -------
    dict of str to numpy.ndarray
        ``q05 q25 q50 q75 q95`` [unit of the values], ``pit``, ``in_50``,
        ``in_90`` (bool) and ``crps_log`` [log units], each ``(n,)``.
    """
    q = np.quantile(values, QUANTILES, axis=1)
    out = {f"q{round(p * 100):02d}": q[i] for i, p in enumerate(QUANTILES)}
    out["pit"] = pit(values, realised)
    out["in_50"] = (q[1] <= realised) & (realised <= q[3])
    out["in_90"] = (q[0] <= realised) & (realised <= q[4])
    out["crps_log"] = crps_log(values, realised)
    return out


def binomial_se(share: float, n: int) -> float:
    r"""Binomial standard error :math:`\sqrt{p(1-p)/n}` of a share of ``n`` (iid) trials."""
    return math.sqrt(share * (1.0 - share) / n) if n > 0 else math.nan


def skill(crps: np.ndarray, reference: np.ndarray) -> float:
    r"""CRPS skill score :math:`1 - \overline{CRPS}/\overline{CRPS}_{ref}` over matched pairs.

    Pairs where either score is NaN are left out; NaN if none remain.
    """
    both = np.isfinite(crps) & np.isfinite(reference)
    if not both.any():
        return math.nan
    return float(1.0 - crps[both].mean() / reference[both].mean())


def score_table(forecasts: pd.DataFrame, step_days: int) -> pd.DataFrame:
    """Scores per kind, model and horizon from the per-forecast rows.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        One row per origin, kind, model and horizon with ``in_50``, ``in_90``,
        ``pit``, ``crps_log`` and ``crps_naive_log`` (the naive benchmark's
        CRPS on the same origin and horizon).
    step_days : int
        Days between origins [day], for ``n_eff``.

    Returns
    -------
    pandas.DataFrame
        ``kind, model, horizon_days, origins, n_eff`` (origins x min(1,
        step/horizon), a rough count of non-overlapping forecasts),
        ``cov50, cov50_se, cov90, cov90_se`` (iid binomial se), ``crps_log``,
        ``crps_naive_log``, ``skill``, ``pit_mean`` and the PIT histogram
        counts ``pit_1 .. pit_10`` (bin ``k`` holds PIT in [(k-1)/10, k/10),
        the last bin includes 1). Rows in the order the models first appear.
    """
    rows = []
    keys = ["kind", "model", "horizon_days"]
    for (kind, model, horizon), part in forecasts.groupby(keys, sort=False):
        n = len(part)
        cov50, cov90 = float(part["in_50"].mean()), float(part["in_90"].mean())
        counts = np.histogram(part["pit"].to_numpy(), bins=PIT_BINS, range=(0.0, 1.0))[0]
        crps = part["crps_log"].to_numpy(dtype=np.float64)
        naive = part["crps_naive_log"].to_numpy(dtype=np.float64)
        both = np.isfinite(crps) & np.isfinite(naive)
        row: dict[str, object] = {
            "kind": kind,
            "model": model,
            "horizon_days": int(horizon),
            "origins": n,
            "n_eff": n * min(1.0, step_days / int(horizon)),
            "cov50": cov50,
            "cov50_se": binomial_se(cov50, n),
            "cov90": cov90,
            "cov90_se": binomial_se(cov90, n),
            "crps_log": float(crps.mean()),
            "crps_naive_log": float(naive[both].mean()) if both.any() else math.nan,
            "skill": skill(crps, naive),
            "pit_mean": float(part["pit"].mean()),
        }
        row.update({f"pit_{k + 1}": int(c) for k, c in enumerate(counts)})
        rows.append(row)
    return pd.DataFrame(rows)
