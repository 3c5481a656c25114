"""Options and checks shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click


def model_option(help_text: str):
    """``--model DIR``; None means the default model shipped with seqnlp."""
    return click.option("--model", "-m", type=click.Path(), metavar="DIR", help=help_text)


def reject_existing_output(output: str, force: bool) -> None:
    """Refuse to train into an existing path unless --force: a long run must not clobber."""
    path = Path(output)
    if path.exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to replace it")
    if path.exists() and not path.is_dir():
        raise click.ClickException(f"{output} exists and is not a directory")
