"""Engine: turns a resolved scenario into simulated paths (plan, market draws, kernel, backends)."""
