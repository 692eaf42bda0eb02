"""Calibration results: estimates with uncertainty, printed as a TOML snippet.

The fitting functions live in :mod:`simulator.analysis.calibrate.price` (price models) and
:mod:`simulator.analysis.calibrate.network` (network models); both return a
:class:`Calibration`. Its :meth:`Calibration.to_toml` renders the estimates in
the scenario value form ``{ value, low, high, note }``, so every calibrated
number enters a scenario as an *assumption* whose note says where it came
from and whose range is the estimate's confidence interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

__all__ = [
    "Estimate",
    "Calibration",
    "Z95",
    "checked",
    "check_daily",
    "normal_estimate",
    "positive_estimate",
    "price_calibration",
]

#: Two-sided 95 % normal quantile: low/high are value -/+ Z95 * se.
Z95 = 1.959963984540054


def _num(x: float) -> str:
    """Shortest faithful TOML float (6 significant digits)."""
    if x == 0:
        return "0.0"
    text = f"{x:.6g}"
    return text if any(c in text for c in ".en") else text + ".0"


@dataclass(frozen=True)
class Estimate:
    """One fitted parameter.

    Attributes
    ----------
    key : str
        Field name in the scenario section, e.g. ``"volatility_per_year"``.
    value : float
        Point estimate [unit of the key].
    se : float
        Standard error [unit of the key]; ``nan`` when not available.
    low, high : float
        Plausible range written to the scenario (normally the 95 %
        confidence interval, clipped to the field's valid range).
    method : str
        One line on how it was estimated.
    """

    key: str
    value: float
    se: float
    low: float
    high: float
    method: str = ""

    @classmethod
    def normal(
        cls,
        key: str,
        value: float,
        se: float,
        method: str = "",
        lower: float = -math.inf,
        upper: float = math.inf,
    ) -> Estimate:
        """Estimate with a 95 % normal interval ``value -/+ 1.96 se``, clipped."""
        low = min(max(value - Z95 * se, lower), value)
        high = max(min(value + Z95 * se, upper), value)
        return cls(key, value, se, low, high, method)


@dataclass(frozen=True)
class Calibration:
    """Fitted parameters of one model on one window of one history file.

    Attributes
    ----------
    model : str
        The model name used on the command line (``gbm``, ``t``, ...).
    section : str
        Scenario section the snippet fills (``market.price`` or ``market.network``).
    scenario_model : str
        Value of ``model =`` in that section.
    estimates : tuple of Estimate
        The fitted parameters, in print order.
    source : str
        File name of the history (no directories).
    window : str
        ``FIRST:LAST`` dates actually used.
    n_obs : int
        Number of observations the fit used (e.g. daily log returns).
    fixed : dict
        Extra keys written as plain values (e.g. a preset name).
    comments : tuple of str
        Extra lines printed as TOML comments above the section.
    """

    model: str
    section: str
    scenario_model: str
    estimates: tuple[Estimate, ...]
    source: str
    window: str
    n_obs: int
    fixed: dict[str, object] = field(default_factory=dict)
    comments: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """The provenance note every calibrated value carries."""
        return f"calibrated on {self.source} {self.window}"

    def value(self, key: str) -> float:
        """Point estimate of ``key``."""
        for e in self.estimates:
            if e.key == key:
                return e.value
        raise KeyError(key)

    def to_toml(self) -> str:
        """A TOML snippet ready to paste into a scenario file."""
        lines = [
            f"# btcsim calibrate --model {self.model}: {self.note} ({self.n_obs:,} observations)",
            "# low/high: 95 % confidence interval of each estimate. Every value is an assumption.",
            *(f"# {c}" for c in self.comments),
            f"[{self.section}]",
            f'model = "{self.scenario_model}"',
        ]
        for key, val in self.fixed.items():
            lines.append(f"{key} = " + (f'"{val}"' if isinstance(val, str) else _num(float(val))))  # type: ignore[arg-type]
        for e in self.estimates:
            lines.append(
                f"{e.key} = {{ value = {_num(e.value)}, low = {_num(e.low)}, "
                f'high = {_num(e.high)}, note = "{self.note}" }}'
            )
        return "\n".join(lines) + "\n"

    def frame(self) -> pd.DataFrame:
        """Estimates as a table: key, value, se, low, high, method."""
        return pd.DataFrame(
            [(e.key, e.value, e.se, e.low, e.high, e.method) for e in self.estimates],
            columns=["key", "value", "se", "low", "high", "method"],
        )


def _problem(cal: Calibration, values: dict[str, float]) -> tuple[str, str] | None:
    """First (key, message) the scenario schema rejects in ``values``, or None."""
    from pydantic import ValidationError

    from simulator.inputs.market_schema import MARKET_SECTIONS

    section = MARKET_SECTIONS[cal.section]
    base = {"model": cal.scenario_model, section.start: 1.0}
    for key, v in values.items():
        if not math.isfinite(v):
            return key, f"not a finite number (got {v})"
    try:
        section.spec.model_validate({**base, **cal.fixed, **values})
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else cal.estimates[0].key
        return key, str(first["msg"])
    return None


def checked(cal: Calibration) -> Calibration:
    """Make sure the snippet pastes into a valid scenario.

    An estimate the schema rejects (for example a drift above the schema's
    5 a year, as the t fit finds on 2013 alone) means the model does not fit
    the window: :class:`ValueError`. A range end
    that is not finite or not valid is replaced by the point estimate, and a
    comment says so.

    Raises
    ------
    ValueError
        If a point estimate is not valid in a scenario.
    """
    point = {e.key: e.value for e in cal.estimates}
    bad = _problem(cal, point)
    if bad is not None:
        key, message = bad
        raise ValueError(
            f"the {cal.model} fit on {cal.window} gives {key} = {point.get(key, math.nan):.6g}, "
            f"which a scenario does not accept ({message}): the model does not fit this "
            "window; try a longer or more recent window, or another model"
        )
    fixed_up, comments = [], list(cal.comments)
    for e in cal.estimates:
        low, high = e.low, e.high
        if _problem(cal, {**point, e.key: low}) is not None:
            low = e.value
        if _problem(cal, {**point, e.key: high}) is not None:
            high = e.value
        if (low, high) != (e.low, e.high):
            comments.append(f"{e.key}: no valid 95 % range; low/high set to the estimate")
        fixed_up.append(Estimate(e.key, e.value, e.se, low, high, e.method))
    return replace(cal, estimates=tuple(fixed_up), comments=tuple(comments))


# ------------------------------------------------- helpers shared by the fits
def check_daily(prices: pd.Series) -> np.ndarray:
    """Prices as float64 after checking consecutive days and positive values."""
    if len(prices) < 2:
        raise ValueError(f"need at least 2 daily prices (got {len(prices)})")
    index = pd.DatetimeIndex(prices.index)
    step = np.diff(index.values).astype("timedelta64[D]").astype(np.int64)
    if (step != 1).any():
        i = int(np.flatnonzero(step != 1)[0])
        a, b = index[i].date(), index[i + 1].date()
        if step[i] < 1:
            raise ValueError(f"dates must increase day by day ({a} is followed by {b})")
        raise ValueError(
            f"gap in the dates: {step[i] - 1} day(s) missing between {a} and {b} "
            "(the fits need consecutive days)"
        )
    values = prices.to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(values) & (values > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"prices must be > 0 (got {values[i]} on {index[i].date()})")
    return values


def price_calibration(
    model: str,
    prices: pd.Series,
    source: str,
    window: str,
    n: int,
    estimates: Sequence[Estimate],
    comments: Sequence[str],
) -> Calibration:
    """A price-model :class:`Calibration` over ``prices``' window (the dates, unless given)."""
    index = pd.DatetimeIndex(prices.index)
    window = window or f"{index[0].date()}:{index[-1].date()}"
    return Calibration(
        model, "market.price", model, tuple(estimates), source or "history", window, n,
        comments=tuple(comments),
    )  # fmt: skip


def normal_estimate(key: str, v: float, se: float, how: str, lo: float, hi: float) -> Estimate:
    """95 % normal interval clipped to ``[lo, hi]``; a point if ``se`` is unknown."""
    if not math.isfinite(se):
        return Estimate(key, v, math.nan, v, v, how + "; no standard error (flat likelihood)")
    return Estimate.normal(key, v, se, how, lo, hi)


def positive_estimate(
    key: str, v: float, se: float, how: str, hi: float, floor: float = 0.0
) -> Estimate:
    """95 % interval of ``v - floor > 0`` built on the log scale, capped at ``hi``."""
    if not math.isfinite(se) or v <= floor:
        return normal_estimate(key, v, se if v > floor else math.nan, how, floor, hi)
    f = math.exp(Z95 * se / (v - floor))
    low, high = floor + (v - floor) / f, max(min(floor + (v - floor) * f, hi), v)
    return Estimate(key, v, se, low, high, how)
