"""Calibration of price and network models on real history."""
