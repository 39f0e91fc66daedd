"""The ``semscan`` command line (Typer). The only code that prints or exits."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``semscan`` console script."""
    from semscan.cli.app import app

    app()
