"""The ``seqnlp`` command line: a thin click layer over the library.

Subcommands live in sibling modules and are imported only when invoked, and those
modules import torch/gensim only inside command bodies, so ``seqnlp --help`` and
``seqnlp --version`` never pay for the heavy imports.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import click

from seqnlp import __version__
from seqnlp.errors import SeqnlpError
from seqnlp.layers.threads import default_one_blas_thread

# One BLAS thread for every command (and the server's workers), set before anything
# imports numpy; a user's own setting wins (seqnlp.layers.threads says why).
default_one_blas_thread()

# command name -> "module:attribute" inside seqnlp.cli
COMMANDS: dict[str, str] = {
    "analogy": "queries:analogy",
    "batch": "batch:batch",
    "data": "data:data",
    "doesnt-match": "queries:doesnt_match",
    "evaluate-embeddings": "embeddings:evaluate_embeddings",
    "evaluate-sentiment": "sentiment:evaluate_sentiment",
    "evaluate-tagger": "tagger:evaluate_tagger",
    "evaluate-tokenizer": "tokenize:evaluate_tokenizer_cmd",
    "info": "info:info",
    "n-similarity": "queries:n_similarity",
    "plot-embeddings": "embeddings:plot_embeddings",
    "sentiment": "sentiment:sentiment",
    "serve": "serve:serve",
    "silver": "silver:silver",
    "similar": "queries:similar",
    "similarity": "queries:similarity",
    "tag": "tagger:tag",
    "tokenize": "tokenize:tokenize_cmd",
    "train-embeddings": "embeddings:train_embeddings",
    "train-sentiment": "train_sentiment:train_sentiment",
    "train-tagger": "tagger:train_tagger",
    "vectors": "vectors:vectors",
}


# Flags of the group that may also stand after the subcommand (seqnlp tag --debug "hi").
GLOBAL_FLAGS = ("-q", "--quiet", "-v", "--verbose", "--debug")


class LazyGroup(click.Group):
    """A group whose commands are imported on first use (click's documented pattern)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Move the global flags found anywhere before ``--`` to the front, where click
        expects the group's own options."""
        end = args.index("--") if "--" in args else len(args)
        flags = [a for a in args[:end] if a in GLOBAL_FLAGS]
        rest = [a for a in args[:end] if a not in GLOBAL_FLAGS]
        return super().parse_args(ctx, flags + rest + args[end:])

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS:
            module, attr = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(f"seqnlp.cli.{module}"), attr)
            ctx.meta[COMMAND_KEY] = command
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # the reader went away (seqnlp tag -i big.txt | head -1): stop quietly, as Unix
            # tools do; stdout goes to /dev/null so that the exit's flush cannot fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)  # what a shell reports for a process ended by SIGPIPE
        except (SeqnlpError, OSError) as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {_advice_that_applies(ctx, _one_line(exc))}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)


ERRORS_ADVICE = " or use --errors replace"
COMMAND_KEY = "seqnlp.command"  # ctx.meta: the subcommand being run


def _advice_that_applies(ctx: click.Context, message: str) -> str:
    """``message`` without the library's advice to use ``--errors replace`` when the
    command run has no such option (train-tagger, train-embeddings read strictly)."""
    command = ctx.meta.get(COMMAND_KEY)
    if ERRORS_ADVICE not in message or command is None or isinstance(command, click.Group):
        return message
    if any(param.name == "errors" for param in command.params):
        return message
    return message.replace(ERRORS_ADVICE, " as UTF-8")


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        prefix = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return prefix + record.getMessage()


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="seqnlp")
@click.option(
    "--data-dir",
    envvar="SEQNLP_DATA_DIR",
    type=click.Path(file_okay=False),
    help="Local dataset mirror laid out like ../shared/data (env: SEQNLP_DATA_DIR).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Log details to stderr (models loaded, timings)."
)
@click.option(
    "-q", "--quiet", is_flag=True, help="Only print results and errors: no progress, no notes."
)
@click.option("--debug", is_flag=True, envvar="SEQNLP_DEBUG", help="Show full tracebacks.")
@click.pass_context
def main(ctx: click.Context, data_dir: str | None, verbose: bool, quiet: bool, debug: bool) -> None:
    """seqnlp: word embeddings, part-of-speech tagging and sentiment with recurrent networks.

    \b
    Examples:
      seqnlp tag "I saw a saw"
      seqnlp analogy king man woman
      seqnlp sentiment "a gripping, funny film"
      seqnlp train-sentiment --output my-model

    Run `seqnlp COMMAND --help` for a command's options. -q, -v and --debug may
    also follow the command (seqnlp tag --debug "hi").
    """
    ctx.ensure_object(dict)
    ctx.obj.update(debug=debug, quiet=quiet, verbose=verbose)
    if data_dir:
        if ctx.get_parameter_source("data_dir") is click.core.ParameterSource.COMMANDLINE:
            if not os.path.isdir(data_dir):
                raise click.ClickException(f"--data-dir {data_dir}: not a directory")
        os.environ["SEQNLP_DATA_DIR"] = data_dir
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    log = logging.getLogger("seqnlp")
    log.handlers[:] = [handler]
    log.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)
