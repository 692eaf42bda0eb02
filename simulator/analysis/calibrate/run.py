"""``calibrate_price``: fit a named price model to a window of a history frame.

The fits are in :mod:`simulator.analysis.calibrate.price` (GBM, Student-t,
Merton jumps) and :mod:`simulator.analysis.calibrate.powerlaw`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd

from simulator.analysis.calibrate.powerlaw import fit_powerlaw
from simulator.analysis.calibrate.price import MIN_RETURNS, fit_gbm, fit_jump, fit_student_t
from simulator.analysis.calibrate.result import Calibration, checked
from simulator.inputs.history import select_window

__all__ = ["PRICE_FITS", "calibrate_price"]

#: Price models that :func:`calibrate_price` can fit, and the fit of each.
_FITS: dict[str, Callable[..., Calibration]] = {
    "gbm": fit_gbm,
    "t": fit_student_t,
    "jump": fit_jump,
    "powerlaw": fit_powerlaw,
}
PRICE_FITS: tuple[str, ...] = tuple(_FITS)


def calibrate_price(
    frame: pd.DataFrame,
    model: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
    max_jumps_per_year: float | None = None,
) -> Calibration:
    """Fit ``model`` to the ``price_usd`` column of a history frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A frame from :func:`simulator.inputs.history.load_history` (daily ``date`` index).
    model : str
        One of :data:`PRICE_FITS`.
    first, last : datetime.date, optional
        Window, inclusive; ``None`` means the start or end of the frame.
    max_jumps_per_year : float, optional
        ``jump`` only: upper bound of the jump intensity [1/year].

    Returns
    -------
    Calibration
        ``source`` is ``frame.attrs["source"]`` and ``window`` the first and
        last dates actually used.

    Raises
    ------
    ValueError
        For an unknown model, a window of fewer than 31 days, a missing day
        inside the window, or a fit that fails (see the fits).
    """
    if model not in _FITS:
        raise ValueError(f"unknown price model {model!r}: choose one of {', '.join(PRICE_FITS)}")
    if "price_usd" not in frame.columns:
        raise ValueError("the history has no price_usd column")
    part = select_window(frame, first, last, min_days=MIN_RETURNS + 1)
    window = f"{part.index[0].date()}:{part.index[-1].date()}"
    source = str(frame.attrs.get("source", "history"))
    if model == "jump":
        return checked(fit_jump(part["price_usd"], source, window, max_jumps_per_year))
    return checked(_FITS[model](part["price_usd"], source, window))
