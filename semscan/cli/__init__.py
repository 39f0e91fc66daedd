"""The ``semscan`` command line (Typer). The only code that prints or exits."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``semscan`` console script."""
    import sys

    from semscan.cli.app import app

    for stream in (sys.stdout, sys.stderr):  # non-UTF-8 file names print as \udcXX
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    app()
