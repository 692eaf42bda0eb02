"""The scenarios shipped with btcsim (TOML files; a data package, no code)."""
