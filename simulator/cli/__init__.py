"""The btcsim command line: one module per command group, assembled by the top-level cli.py."""
