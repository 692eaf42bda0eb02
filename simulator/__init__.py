"""btcsim: Bitcoin reserve and mining what-if simulator."""
