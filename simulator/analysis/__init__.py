"""Analysis: many runs compared (compare, sweep, sensitivity), backtests and calibration."""
