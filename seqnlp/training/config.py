"""What a training run is asked (:class:`TrainConfig`) and what it did (:class:`TrainResult`).

Torch-free, so that the recipes and the CLI can build one without paying torch's import.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Self

from seqnlp.fields import check, setting

DEVICES = ("auto", "cpu", "cuda")
# Optimizer steps that a run on a user's data takes at least (TrainConfig.for_data): 200
# reviews with the sentiment recipe's schedule made 18 steps and stayed near chance.
SMALL_DATA_MIN_STEPS = 200


@dataclasses.dataclass
class TrainConfig:
    """How to train, whatever the task.

    Args:
        epochs: maximum passes over the training data.
        batch_size: examples per batch (examples of similar length are batched together).
        lr: Adam's learning rate.
        lr_decay: the learning rate is multiplied by this after every epoch.
        weight_decay: Adam's L2 penalty.
        clip: maximum gradient norm (``clip_grad_norm_``); 0 turns clipping off.
        patience: stop after this many epochs without a better dev metric; 0 never stops early.
        seed: seeds weights, dropout and batch order; a CPU run with the same seed repeats.
        device: ``auto`` (CUDA when present), ``cpu`` or ``cuda``.
        amp: on CUDA, run forward and loss under bfloat16 autocast (ignored on CPU).
        min_steps: the fewest optimizer steps the run takes: when ``epochs`` passes over a
            small data set would take fewer, each epoch passes over it several times
            (0: never). None: the task's default (:meth:`for_data`).
    """

    epochs: int = setting(20, low=1, help="Most passes over the training data.")
    batch_size: int = setting(32, low=1, help="Sentences per step.")
    lr: float = setting(2e-3, low=0, low_open=True, help="Adam learning rate.")
    lr_decay: float = setting(
        1.0, low=0, high=1, low_open=True, help="Learning-rate factor per epoch."
    )
    weight_decay: float = setting(0.0, low=0, help="Adam's L2 penalty.")
    clip: float = setting(
        5.0, low=0, help="Gradient norm limit against exploding gradients (0: none)."
    )
    patience: int = setting(
        5, low=0, help="Stop after this many epochs without a better dev score (0: never)."
    )
    seed: int = setting(
        1, low=0, help="Seeds weights, dropout and batch order; a CPU run repeats exactly."
    )
    device: str = setting("auto", choices=DEVICES, help="auto uses CUDA when present.")
    amp: bool = setting(
        True,
        negative="--no-amp",
        help="On CUDA, run the forward pass in bfloat16 (autocast); ignored on CPU.",
    )
    min_steps: int | None = setting(
        None,
        low=0,
        show_default=False,
        help="Fewest optimizer steps: when the epochs over a small data set would take "
        "fewer, each epoch passes over it several times (0: never).",
    )

    def __post_init__(self) -> None:
        check(self)

    def for_data(self, recipe_data: bool) -> TrainConfig:
        """This config with ``min_steps`` decided when left to the task: none on a recipe's
        own data (its schedule was tuned there), else :data:`SMALL_DATA_MIN_STEPS`, so that
        a few hundred examples of a user's are not left underfitted by a schedule made for
        tens of thousands."""
        if self.min_steps is not None:
            return self
        return dataclasses.replace(self, min_steps=0 if recipe_data else SMALL_DATA_MIN_STEPS)


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit` did; the network it was given now holds the best weights."""

    best_metric: float
    best_epoch: int
    epochs: int
    history: list[dict[str, Any]]
    stopped_early: bool
    seconds: float


def run_record(**arguments: Any) -> dict[str, Any]:
    """A training call's arguments as plain data, for ``meta.json``'s ``recipe``.

    Configs become dicts, paths strings, and data passed in memory a count of examples: what
    a reader needs to rerun the call (a recipe's record is what its no-argument call records).
    """

    def plain(value: Any) -> Any:
        if isinstance(value, TrainConfig) and not value.min_steps:
            # no minimum of steps is recorded as runs made before the field was added were,
            # so that a recipe's record stays what its shipped model records
            return plain({k: v for k, v in dataclasses.asdict(value).items() if k != "min_steps"})
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return plain(dataclasses.asdict(value))
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        if isinstance(value, list | tuple) and all(
            isinstance(v, str | os.PathLike | bool | int | float) for v in value
        ):
            return [os.fspath(v) if isinstance(v, os.PathLike) else v for v in value]
        return f"{len(value)} examples in memory" if hasattr(value, "__len__") else repr(value)

    return {name: plain(value) for name, value in arguments.items()}


class Recipe:
    """What the tasks' recipes share (frozen dataclasses of a run's data, network and training
    settings, the defaults of the task's ``train``): their record in ``meta.json``, and
    changes that keep the settings tied to the recipe's own data with that data."""

    train: Any

    def record(self) -> dict[str, Any]:
        """What a run of this recipe records in ``meta.json``."""
        return run_record(**{f.name: getattr(self, f.name) for f in dataclasses.fields(self)})

    def same_data(self, train: Any) -> bool:
        """Whether ``train`` is this recipe's training data."""
        return bool(train == self.train)

    def for_data(self, train: Any, **changes: Any) -> Self:
        """This recipe's network and training on other data, with ``changes``: the
        settings made for the recipe's own data (its dev set...) are left out."""
        raise NotImplementedError

    def changed(self, **changes: Any) -> Self:
        """This recipe with some fields changed (``train="my.tsv", config=...``): other
        training data moves it there first (:meth:`for_data`), so that the recipe's dev set
        or sampling are never applied to a user's data behind their back.

        Raises:
            TypeError: a name that is not a field of the recipe.
        """
        names = [f.name for f in dataclasses.fields(self)]
        unknown = ", ".join(repr(name) for name in changes if name not in names)
        if unknown:
            raise TypeError(
                f"unexpected keyword argument {unknown}: not a field of "
                f"{type(self).__name__} ({', '.join(names)})"
            )
        if "train" in changes and not self.same_data(changes["train"]):
            return self.for_data(**changes)
        return dataclasses.replace(self, **changes)
