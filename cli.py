"""Command-line interface for btcsim (placeholder)."""


def main() -> None:
    """Run the btcsim CLI."""
