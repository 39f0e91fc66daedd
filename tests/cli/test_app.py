"""semscan.cli.app: the `semscan` command as a whole (version, help, console script)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from semscan.cli.app import app
from tests.cli._helpers import runner


def test_version():
    res = runner.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.stdout.startswith("semscan ")


def test_console_script_installed():
    exe = Path(sys.executable).parent / "semscan"
    res = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True)
    assert "analyze" in res.stdout and "info" in res.stdout


@pytest.mark.parametrize("command", ["", "analyze", "config", "info", "train-pixels",
                                     "train-classifier", "evaluate-classifier"])
def test_h_is_help_on_every_command(command):
    args = [command, "-h"] if command else ["-h"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "Usage:" in res.stdout and "--help" in res.stdout


def test_the_cli_freezes_what_is_left_when_it_ends():
    """At the end of a command the CLI freezes the objects left (the interpreter's final
    collections then skip them: 0.2 s of CPU at the exit of a one-image `analyze`)."""
    script = ("import gc, sys\nfrom semscan.cli import main\nsys.argv = ['semscan', '--version']\n"
              "before = gc.get_freeze_count()\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(before, gc.get_freeze_count() > 0)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-2:] == ["0", "True"]


def _params(command):
    """Every Typer parameter of ``command`` and its subcommands (with their ``--help``)."""
    from typer._click import Context

    ctx = Context(command)
    yield from command.get_params(ctx)
    for sub in (getattr(command, "commands", None) or {}).values():
        yield from _params(sub)


# What a command line or a default can hand a parameter: plain spellings, the edges of
# the plain patterns, values that are errors, values of the wrong kind.
_VALUES = [None, "", "0", "-0", "7", "007", "-3", "+5", " 5", "5_0", "1.0", "1.5", ".5", "5.",
           "1e3", "inf", "nan", "-0.0", "abc", "99999999999999999999", "3000000", "1024",
           "1025", "0.5", "256.5", "a b", "x/y/", "\udcff", 0, 3, 2.5, True, False,
           Path("p"), ("a", "b"), ["3"], (), ("1", "x")]


def test_plain_coercion_is_typers_coercion_for_every_parameter_and_value(tmp_path):
    """The CLI coerces plain values without pydantic (semscan.cli.app._PlainCoercion):
    for every parameter of every command, its answer is Typer's own (its pydantic
    adapter), the same value of the same type or the same error message."""
    import typer.main
    from typer._click import Context
    from typer._click.exceptions import BadParameter
    from typer._coercion import build_runtime_param

    from semscan.cli.app import _NOT_PLAIN, _PlainCoercion

    command = typer.main.get_command(app)
    ctx = Context(command)
    checked = plain = 0
    for param in _params(command):
        assert isinstance(param._runtime_param, _PlainCoercion), param.name
        typer_own = build_runtime_param(param.type_descriptor)
        for value in [*_VALUES, str(tmp_path)]:
            outcomes = []
            for coercion in (param._runtime_param, typer_own):
                try:
                    got = coercion.coerce(value, param=param, ctx=ctx)
                    outcomes.append(("ok", type(got), repr(got)))  # nan == nan
                except BadParameter as exc:
                    outcomes.append(("error", exc.format_message()))
            assert outcomes[0] == outcomes[1], (param.name, value)
            checked += 1
            if value is not None:
                plain += param._runtime_param._plain(value, param, ctx) is not _NOT_PLAIN
    assert checked > 40 * len(_VALUES)
    assert plain > 10 * len(_VALUES) // 4  # most values of most parameters are plain


def test_a_command_does_not_import_pydantic():
    """Plain options are coerced without Typer's pydantic adapters (0.05 s of CPU)."""
    script = ("import sys\nfrom semscan.cli import main\n"
              "sys.argv = ['semscan', 'config', '--default']\ntry:\n    main()\n"
              "except SystemExit:\n    pass\nprint('pydantic' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[-1] == "False"


def _lots_commands() -> list[str]:
    import typer.main

    from semscan.cli import lots

    return sorted(typer.main.get_command(lots.app).commands)


def test_one_command_app_is_the_whole_apps_command():
    """`semscan NAME ...` runs an application of the one command NAME (make_app(only=));
    its help, its errors and the help of a group's commands are the whole app's."""
    from semscan.cli.app import COMMANDS, make_app

    whole = make_app()
    calls = [[name, "--help"] for name in COMMANDS] + [[name, "--no-such-option"]
                                                       for name in COMMANDS]
    calls += [["lots", sub, "--help"] for sub in _lots_commands()]
    calls += [["lots", "no-such-command"], ["analyze", "--jobs", "x"], ["analyze", "-j", "-1"]]
    for args in calls:
        one = runner.invoke(make_app(only=args[0]), args)
        full = runner.invoke(whole, args)
        assert (one.exit_code, one.output) == (full.exit_code, full.output), args
        assert full.output.strip(), args
    with pytest.raises(ValueError, match="no semscan command 'nope': use one of info"):
        make_app(only="nope")


def test_the_console_script_imports_only_its_commands_module():
    """`semscan config --default` imports semscan.cli.info, not the other commands'."""
    script = ("import sys\nfrom semscan.cli import main\n"
              "sys.argv = ['semscan', 'config', '--default']\ntry:\n    main()\n"
              "except SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.startswith('semscan.cli.')))\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    got = proc.stdout.splitlines()[-1]
    assert "'semscan.cli.info'" in got
    for other in ("analyze", "train", "lots", "report_cmd"):
        assert f"'semscan.cli.{other}'" not in got, got
