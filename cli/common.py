"""Options and checks shared by several commands."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from seqnlp.training import DEVICES, TrainConfig
from seqnlp.training.config import SMALL_DATA_MIN_STEPS

COMPRESSED = (".gz", ".xz", ".lzma", ".bz2")  # --input suffixes read through a decompressor


def quiet() -> bool:
    """Whether ``-q`` was given: progress bars, epoch lines and notes are then left out."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and (ctx.find_root().obj or {}).get("quiet"))


def show_progress() -> bool:
    """Progress bars go to stderr when it is a terminal, and not with ``-q``: in a log file
    or a pipe they are noise."""
    return sys.stderr.isatty() and not quiet()


def input_progress(
    lines: Iterator[tuple[int, str]], path: str, unit: str
) -> Iterator[tuple[int, str]]:
    """``lines`` of ``--input`` as they are read, with a bar on a terminal: the share of a
    plain file read (characters stand for bytes), or a count for a pipe or compressed file."""
    if not show_progress():
        yield from lines
        return
    from tqdm.auto import tqdm

    source = Path(path)
    plain = path != "-" and source.is_file() and source.suffix.lower() not in COMPRESSED
    total = source.stat().st_size if plain else None
    with tqdm(total=total, unit="B" if plain else f" {unit}", unit_scale=True, leave=False) as bar:
        for number, line in lines:
            yield number, line
            bar.update(len(line) + 1 if plain else 1)


def note(message: str, err: bool = False) -> None:
    """Print something that is not the command's result (e.g. "Saved ..."), unless ``-q``."""
    if not quiet():
        click.echo(message, err=err)


def check_source(ctx: click.Context, param: click.Parameter, value):
    """A --train/--dev/--data value must be a dataset NAME[:SPLIT] or an existing file:
    checked while the options are parsed, before any heavy import."""
    from seqnlp.datasets import list_datasets

    for spec in value if isinstance(value, tuple) else [value]:
        if spec is None or Path(spec).exists():
            if spec is not None and Path(spec).is_dir():
                raise click.ClickException(f"{param.opts[0]} {spec}: a directory, not a file")
            continue
        if str(spec).rsplit(":", 1)[0] not in list_datasets():
            raise click.ClickException(
                f"{param.opts[0]} {spec}: no such file, and not a dataset "
                f"({', '.join(list_datasets())})"
            )
    return value


def _default_model_name(ctx: click.Context, param: click.Parameter, value: str | None):
    """A shipped model's name (``tagger``, ``sentiment-3``...) is that shipped model, as in
    ``seqnlp info``; a directory of that name is written as a path (``./tagger``)."""
    from seqnlp.serialization.models import SHIPPED_MODELS, default_model
    from seqnlp.tasks import TASKS

    if value in TASKS:
        return None
    return str(default_model(value)) if value in SHIPPED_MODELS else value


def check_image(ctx: click.Context, param: click.Parameter, value: str | None):
    """An image path must end in a suffix matplotlib writes: checked before the work runs."""
    from seqnlp.plotting import IMAGE_SUFFIXES

    if value is not None and Path(value).suffix.lower() not in IMAGE_SUFFIXES:
        raise click.BadParameter(
            f"{value!r} has no image suffix; use one of {', '.join(IMAGE_SUFFIXES)}"
        )
    return value


def model_option(help_text: str):
    """``--model DIR``; None (or a default model's name) means the model shipped with seqnlp."""
    return click.option(
        "--model",
        "-m",
        type=click.Path(),
        metavar="DIR",
        callback=_default_model_name,
        help=help_text,
    )


def nothing_read(command: str) -> click.UsageError:
    """The error of a command that read standard input because it was given no TEXT, and
    found none: a lone '-q' (a global flag) looks like a text but is not one."""
    return click.UsageError(
        "nothing read: no TEXT given, and standard input was empty "
        f"(a text that starts with '-' goes after '--': seqnlp {command} -- -q)"
    )


def reject_existing_output(output: str, force: bool) -> None:
    """Refuse to train into an existing path unless --force: a long run must not clobber."""
    path = Path(output)
    if path.exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to replace it")
    if path.exists() and not path.is_dir():
        raise click.ClickException(f"{output} exists and is not a directory")


def cpu_threads(asked: int) -> int:
    """``asked`` threads, cut to the CPU cores this process may use: more only contend
    (an epoch took 167 s instead of 1 s with --threads 1000)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if cores and asked > cores:
        note(f"--threads {asked}: this machine has {cores} CPU cores; using {cores}", err=True)
        return cores
    return asked


def number_option(name: str, default: float, low: float, help_text: str, **range_args):
    """``name`` taking a number from ``low`` (``range_args``: ``max``, ``max_open``...), its
    range and default shown in --help; a float ``default`` makes it a float option."""
    kind = click.FloatRange if isinstance(default, float) else click.IntRange
    return click.option(
        name, default=default, show_default=True, type=kind(low, **range_args), help=help_text
    )


def training_options(defaults: TrainConfig, unit: str, small_data: bool = False):
    """The options of the shared training loop, defaulting to a task recipe's ``defaults``.

    The command receives them as one ``train_config`` (a :class:`seqnlp.training.TrainConfig`),
    built only when it runs (the training module imports torch), and PyTorch's thread count
    is set from ``--threads``. The command's ``--output`` is checked first (unless
    ``--resume``), so that refusing an existing one does not wait for torch's import.
    ``small_data``: the task raises ``--min-steps`` on data other than its recipe's
    (:meth:`TrainConfig.for_data`), which the help says.
    """
    options = [
        click.option(
            "--epochs",
            default=defaults.epochs,
            show_default=True,
            type=click.IntRange(min=1),
            help="Most passes over the training data.",
        ),
        click.option(
            "--batch-size",
            default=defaults.batch_size,
            show_default=True,
            type=click.IntRange(min=1),
            help=f"{unit} per step.",
        ),
        click.option(
            "--lr",
            default=defaults.lr,
            show_default=True,
            type=click.FloatRange(min=0, min_open=True),
            help="Adam learning rate.",
        ),
        click.option(
            "--lr-decay",
            default=defaults.lr_decay,
            show_default=True,
            type=click.FloatRange(0, 1, min_open=True),
            help="Learning-rate factor per epoch.",
        ),
        click.option(
            "--min-steps",
            default=defaults.min_steps,
            type=click.IntRange(min=0),
            help="Fewest optimizer steps: when the epochs over a small data set would take "
            "fewer, each epoch passes over it several times (0: never). Default: "
            + (f"0 on the recipe's data, else {SMALL_DATA_MIN_STEPS}." if small_data else "0."),
        ),
        click.option(
            "--clip",
            default=defaults.clip,
            show_default=True,
            type=click.FloatRange(min=0),
            help="Gradient norm limit against exploding gradients (0: none).",
        ),
        click.option(
            "--patience",
            default=defaults.patience,
            show_default=True,
            type=click.IntRange(min=0),
            help="Stop after this many epochs without a better dev score (0: never).",
        ),
        click.option(
            "--seed",
            default=defaults.seed,
            show_default=True,
            type=click.IntRange(min=0),
            help="Seeds weights, dropout and batch order; a CPU run repeats exactly.",
        ),
        click.option(
            "--device",
            type=click.Choice(DEVICES),
            default=defaults.device,
            show_default=True,
            help="auto uses CUDA when present.",
        ),
        click.option(
            "--amp/--no-amp",
            default=defaults.amp,
            show_default=True,
            help="On CUDA, run the forward pass in bfloat16 (autocast); ignored on CPU.",
        ),
        click.option(
            "--threads",
            default=1,
            show_default=True,
            type=click.IntRange(min=0),
            help="CPU threads for PyTorch; 0 lets PyTorch choose. Small recurrent "
            "steps gain little from more, and spinning threads cost a lot on a busy "
            "machine (a training step ran 8x slower with 2 threads beside another job). "
            "More than the CPU cores are cut to their number.",
        ),
    ]

    def decorate(command):
        @functools.wraps(command)
        def run(
            *args,
            epochs,
            batch_size,
            lr,
            lr_decay,
            min_steps,
            clip,
            patience,
            seed,
            device,
            amp,
            threads,
            **kwargs,
        ):
            if not kwargs["resume"]:
                reject_existing_output(kwargs["output"], kwargs["force"])
            import torch

            if threads:
                torch.set_num_threads(cpu_threads(threads))
            config = dataclasses.replace(
                defaults,
                epochs=epochs,
                batch_size=batch_size,
                lr=lr,
                lr_decay=lr_decay,
                min_steps=min_steps,
                clip=clip,
                patience=patience,
                seed=seed,
                device=device,
                amp=amp,
            )
            return command(*args, train_config=config, **kwargs)

        for option in reversed(options):
            run = option(run)
        return run

    return decorate
