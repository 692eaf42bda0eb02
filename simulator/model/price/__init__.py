"""Price models: GBM and friends, heavy tails, the stationary bootstrap, the power law."""
