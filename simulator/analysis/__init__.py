"""Analysis: many runs compared (compare, sweep, sensitivity), backtests, calibration, evaluate."""
