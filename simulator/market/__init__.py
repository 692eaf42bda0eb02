"""Market path models: price and network hashrate."""
