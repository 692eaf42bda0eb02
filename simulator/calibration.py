"""Calibration results: estimates with uncertainty, printed as a TOML snippet.

The fitting functions live in :mod:`simulator.calibrate` (price models) and
:mod:`simulator.calibrate_network` (network models); both return a
:class:`Calibration`. Its :meth:`Calibration.to_toml` renders the estimates in
the scenario value form ``{ value, low, high, note }``, so every calibrated
number enters a scenario as an *assumption* whose note says where it came
from and whose range is the estimate's confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Estimate", "Calibration", "Z95"]

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
