"""Options and checks shared by several commands."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import click
from click.core import ParameterSource

from seqnlp.fields import is_integer, spec_of
from seqnlp.training import TrainConfig
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


def _default_model_name(ctx: click.Context, param: click.Parameter, value):
    """A shipped model's name (``tagger``, ``sentiment-3``...) is that shipped model, as in
    ``seqnlp info``; a directory of that name is written as a path (``./tagger``). A
    repeatable option maps each of its values."""
    from seqnlp.serialization.models import SHIPPED_MODELS, default_model
    from seqnlp.tasks import TASKS

    if isinstance(value, tuple):
        return tuple(_default_model_name(ctx, param, v) for v in value)
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


def errors_option(where: str = "--input"):
    """``--errors strict|replace``, one spelling and help for every command that reads text:
    bytes that are not UTF-8 in ``where`` stop the command naming the line, or read as U+FFFD."""
    return click.option(
        "--errors",
        type=click.Choice(["strict", "replace"]),
        default="strict",
        show_default=True,
        help=f"Bytes that are not UTF-8 in {where}: stop, naming the line (strict), or read "
        "them as U+FFFD (replace).",
    )


def model_option(help_text: str, *names: str, multiple: bool = False):
    """``--model DIR`` (or ``names``); None (or a default model's name) means the model
    shipped with seqnlp."""
    return click.option(
        *(names or ("--model", "-m")),
        type=click.Path(),
        metavar="DIR",
        multiple=multiple,
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


def model_output_options(default: str | None = None, checkpoints: bool = True):
    """The options of a command that trains a model into a directory, declared once:
    ``--output`` (required unless ``default``) and ``--force``; with ``checkpoints`` (the
    trainers on the shared loop) ``--resume``, ``--keep-checkpoint`` and ``--progress``."""
    options = [
        click.option(
            "--output",
            "-o",
            required=default is None,
            default=default,
            show_default=default is not None,
            type=click.Path(file_okay=False),
            help="Model directory to write.",
        ),
        click.option("--force", is_flag=True, help="Replace an existing model at --output."),
    ]
    if checkpoints:
        options += [
            click.option(
                "--resume", is_flag=True, help="Continue an interrupted run from OUTPUT.checkpoint."
            ),
            click.option(
                "--keep-checkpoint",
                is_flag=True,
                help="Keep OUTPUT.checkpoint after training ends.",
            ),
            click.option(
                "--progress/--no-progress",
                default=None,
                # in a log file a bar is thousands of redrawn lines
                callback=lambda ctx, param, value: show_progress() if value is None else value,
                help="Show a progress bar per epoch on stderr. Default: when stderr is a terminal.",
            ),
        ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


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


def _config_option(field: dataclasses.Field, default, help_text: str | None):
    """One click option for a config field declared with :func:`seqnlp.fields.setting`: its
    range or choices as the click type, so a wrong value is a usage error naming the option."""
    spec = spec_of(field)
    name = spec.flag or "--" + field.name.replace("_", "-")
    extra: dict = {"help": spec.help if help_text is None else help_text}
    if spec.metavar:
        extra["metavar"] = spec.metavar
    if isinstance(field.default, bool):
        if spec.negative is None:
            return click.option(name, field.name, is_flag=True, default=default, **extra)
        name = f"{name}/{spec.negative}"
    elif spec.choices is not None:
        extra["type"] = click.Choice(spec.choices)
    elif spec.low is not None or spec.high is not None:
        kind = click.IntRange if is_integer(field) else click.FloatRange
        extra["type"] = kind(spec.low, spec.high, min_open=spec.low_open, max_open=spec.high_open)
    return click.option(name, field.name, default=default, show_default=spec.show_default, **extra)


def config_options(defaults, names: tuple[str, ...], into: str, help: dict | None = None):
    """Options for the fields ``names`` of the config dataclass instance ``defaults`` (a
    recipe's), generated from the fields' :class:`seqnlp.fields.Spec`; the command receives
    them as one keyword ``into``: ``defaults`` with the values given (checked again, by the
    same rules, when the dataclass is built). ``help`` replaces a field's help text."""
    fields = {f.name: f for f in dataclasses.fields(defaults)}
    options = [
        _config_option(fields[name], getattr(defaults, name), (help or {}).get(name))
        for name in names
    ]

    def decorate(command):
        @functools.wraps(command)
        def run(*args, **kwargs):
            values = {name: kwargs.pop(name) for name in names}
            return command(*args, **{into: dataclasses.replace(defaults, **values)}, **kwargs)

        for option in reversed(options):
            run = option(run)
        return run

    return decorate


def given(name: str) -> bool:
    """Whether the running command's option ``name`` was set (command line or environment)
    rather than left to its default: a left-out option can then take another recipe's value."""
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP)


def onto(base, built):
    """``base`` (a config dataclass) with the fields of ``built`` whose options were given
    (:func:`given`): what :func:`config_options` built over one recipe, moved onto another."""
    params = {p.name for p in click.get_current_context().command.params}
    names = [f.name for f in dataclasses.fields(built) if f.name in params and given(f.name)]
    return dataclasses.replace(base, **{name: getattr(built, name) for name in names})


def field_option(config, name: str, default):
    """The option of one config field, as :func:`config_options` makes it, with another
    default: for a command that sets the field without building the config
    (``vectors import --lower``)."""
    field = next(f for f in dataclasses.fields(config) if f.name == name)
    return _config_option(field, default, None)


TRAINING_FIELDS = (
    "epochs",
    "batch_size",
    "lr",
    "lr_decay",
    "min_steps",
    "clip",
    "patience",
    "seed",
    "device",
    "amp",
)


def training_options(defaults: TrainConfig, small_data: bool = False):
    """The options of the shared training loop, generated from :class:`TrainConfig`'s fields
    and defaulting to a task recipe's ``defaults``, and ``--threads``.

    The command receives them as one ``train_config``, and PyTorch's thread count is set from
    ``--threads``. The command's ``--output`` is checked first (unless ``--resume``), so that
    refusing an existing one does not wait for torch's import. ``small_data``: the task
    raises ``--min-steps`` on data other than its recipe's (:meth:`TrainConfig.for_data`),
    which the help says.
    """
    min_steps = spec_of(next(f for f in dataclasses.fields(TrainConfig) if f.name == "min_steps"))
    default_steps = f"0 on the recipe's data, else {SMALL_DATA_MIN_STEPS}." if small_data else "0."
    generated = config_options(
        defaults,
        TRAINING_FIELDS,
        into="train_config",
        help={"min_steps": f"{min_steps.help} Default: {default_steps}"},
    )
    threads = click.option(
        "--threads",
        default=1,
        show_default=True,
        type=click.IntRange(min=0),
        help="CPU threads for PyTorch; 0 lets PyTorch choose. Small recurrent "
        "steps gain little from more, and spinning threads cost a lot on a busy "
        "machine (a training step ran 8x slower with 2 threads beside another job). "
        "More than the CPU cores are cut to their number.",
    )

    def decorate(command):
        @functools.wraps(command)
        def run(*args, threads, **kwargs):
            if not kwargs["resume"]:
                reject_existing_output(kwargs["output"], kwargs["force"])
            import torch

            if threads:
                torch.set_num_threads(cpu_threads(threads))
            return command(*args, **kwargs)

        return generated(threads(run))

    return decorate
