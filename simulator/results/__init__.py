"""Results: the Result of a run (save and load), its metrics and summaries, and simulate."""
