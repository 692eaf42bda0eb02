"""Network-hashrate models: constant, growth, GBM, and the economic model."""
