"""The README is a user guide (issue 28): short, and its first screen is what the commands
print."""

from __future__ import annotations

import shlex

from tests.conftest import ROOT

README = ROOT / "README.md"


def test_the_readme_stays_a_guide_of_at_most_450_lines():
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 450


def test_the_readme_first_screen_is_what_the_commands_print(runner):
    """The README opens with three commands and their output: they are run here, so a
    retrained model cannot leave that screen stale."""
    from seqnlp.cli import main

    screen = README.read_text(encoding="utf-8").split("```console\n", 1)[1].split("```", 1)[0]
    runs = [run.split("\n", 1) for run in screen.split("$ ")[1:]]
    assert [shlex.split(command)[1] for command, _ in runs] == ["tag", "analogy", "sentiment"]
    for command, printed in runs:
        result = runner.invoke(main, shlex.split(command)[1:])
        assert result.exit_code == 0, result.output
        assert result.stdout == printed, command
