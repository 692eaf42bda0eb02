"""Model: pure functions over numpy arrays (protocol, chain, mining, reserve, price, network).

No file I/O, no plotting, no CLI: every other layer builds on this one.
"""
