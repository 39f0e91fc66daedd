"""The ``semscan`` command line (Typer). The only code that prints or exits."""

from __future__ import annotations


def main() -> None:
    """Entry point of the ``semscan`` console script."""
    import gc
    import sys

    from semscan.cli.app import COMMANDS, make_app

    for stream in (sys.stdout, sys.stderr):  # non-UTF-8 file names print as \udcXX
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    # `semscan NAME ...` needs only the command NAME (the root has no option that takes a
    # value, so the first argument is the command's name unless it is an option).
    name = sys.argv[1] if len(sys.argv) > 1 else None
    app = make_app(only=name if name in COMMANDS else None)
    try:
        app()
    finally:
        # What is left (imported modules, the models, the tables) lives until the process
        # ends. Frozen, the interpreter's final garbage collections do not walk it again
        # (measured: 0.2 s of CPU at the exit of a one-image `analyze`); the memory of
        # what is in reference cycles is returned by the OS at exit instead. Nothing is
        # left unwritten: every output is closed by now, and logging's atexit hook (after
        # this) flushes and closes the log.
        gc.freeze()
