"""Inputs: what a run is made of (scenario schema and files, cited facts, real history)."""
