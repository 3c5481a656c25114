"""The skeleton every task's ``train`` fills in: check the output, train each ensemble member
with :func:`~seqnlp.training.loop.fit`, keep the best model on disk, run the task's
finishing steps, save the finished model once, clean up.

A task reads its data and builds its vocabularies, then hands :func:`train_members` a
:class:`Plan`: its examples, how to build, batch and score a network, and how to turn the
trained networks' weights into its model class. Everything else is the same for every task:
the best model so far is saved after each improving epoch (so an interrupted run leaves a
usable model), an ensemble's finished members wait beside the checkpoint for a resumed run,
the finished model records its runs in ``meta.json``, and only rank 0 of a ``torchrun`` job
writes.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from seqnlp import serialization
from seqnlp.corpus import hold_out
from seqnlp.errors import ModelFileError
from seqnlp.training.checkpoints import CHECKPOINT_FILE, checkpoint_dir_for, state_arrays
from seqnlp.training.config import TrainConfig, TrainResult
from seqnlp.training.distributed import is_main_process
from seqnlp.training.loop import Batch, fit, seed_everything

log = logging.getLogger("seqnlp")


@dataclasses.dataclass
class Plan:
    """What a task hands :func:`train_members`.

    Args:
        train, dev: the task's examples, already turned into ids.
        network: member number -> a new network, initialised (the driver seeds torch first).
        collate, evaluate, metric, length: as :func:`~seqnlp.training.loop.fit` takes them.
        model: (one weights dict per member, meta) -> the task's model, which has
            ``save(path, overwrite=..., dtype=...)`` and a ``load(path)`` classmethod.
        members: networks trained one after another with seeds ``seed``, ``seed + 1``...
        meta: what every saved model records (data, vocabularies' sources, the recipe...).
        architecture: the config values a resumed run must share with the model it
            continues (those of its ``config.json`` that shape the network).
        finish: steps run in order on the trained model (model -> model) before its one
            final save: adding words, choosing a mix on dev, scoring the model as saved.
            The checkpoint goes only after that save, so a run interrupted in a step
            resumes into the steps again.
    """

    train: Sequence[Any]
    dev: Sequence[Any]
    network: Callable[[int], nn.Module]
    collate: Callable[[list[Any]], Batch]
    evaluate: Callable[[nn.Module, Sequence[Any]], dict[str, float]]
    model: Callable[[list[dict[str, np.ndarray]], dict[str, Any]], Any]
    length: Callable[[Any], int] = len
    metric: str = "accuracy"
    members: int = 1
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)
    architecture: dict[str, Any] = dataclasses.field(default_factory=dict)
    finish: Sequence[Callable[[Any], Any]] = ()


def prepare_output(
    output: str | os.PathLike | None, *, dtype: str, overwrite: bool, resume: bool
) -> Path | None:
    """Check a run's output before any work: the storage dtype, a leftover of a killed save
    (put right), an existing model that neither ``overwrite`` nor ``resume`` allows, and
    with ``resume`` that there is a run to continue.

    Raises:
        ModelFileError: ``output`` exists and may not be replaced, or ``resume`` finds no
            model, or a finished one.
    """
    serialization.check_storage_dtype(dtype)
    if output is None:
        if resume:
            raise ModelFileError("nothing to resume: a run without an output keeps no checkpoint")
        return None
    output = Path(output)
    if is_main_process():
        serialization.recover_interrupted_save(output)
    if output.exists() and not (overwrite or resume):
        raise ModelFileError(f"{output} already exists; choose another name or overwrite it")
    if resume and not has_checkpoint(output):
        if not (output / serialization.CONFIG_FILE).is_file():
            raise ModelFileError(f"nothing to resume: {output} holds no model yet")
        training = serialization.load_model(output).meta.get("training")
        if training is not None:
            raise ModelFileError(
                f"nothing to resume: {output} is a finished model (its run ended after "
                f"{training.get('epochs')} epochs) and {checkpoint_dir_for(output)} holds no "
                "checkpoint"
            )
    return output


def has_checkpoint(output: Path) -> bool:
    """Whether training into ``output`` left a checkpoint (or an ensemble's finished member)
    to resume from."""
    directory = checkpoint_dir_for(output)
    return directory.is_dir() and any(directory.rglob("*.safetensors"))


def check_architecture(output: Path, architecture: dict[str, Any]) -> None:
    """Refuse to resume the run saved in ``output`` with network options that differ from
    its own: the checkpoint holds weights of the saved network, and going on with them
    under other options would either fail or silently keep the old network.

    Raises:
        ModelFileError: naming each differing option, the run's value and the one asked.
    """
    saved = serialization.load_model(output).config
    differing = [
        f"{name.replace('_', '-')} {saved[name]!r} (asked {value!r})"
        for name, value in architecture.items()
        if name in saved and _plain(value) != saved[name]
    ]
    if differing:
        raise ModelFileError(
            f"cannot resume {output} with other network options than its run's: "
            f"{', '.join(differing)}; resume with the run's options, or train anew"
        )


def architecture_of(config: Any, ignore: Sequence[str] = ()) -> dict[str, Any]:
    """A network config's values that a resumed run must keep: all but the sizes that the
    data fills in (``num_*``) and those named in ``ignore``."""
    return {
        k: v
        for k, v in dataclasses.asdict(config).items()
        if not k.startswith("num_") and k not in ignore
    }


def _plain(value: Any) -> Any:
    """A config value as config.json holds it (tuples are JSON lists)."""
    return list(value) if isinstance(value, tuple) else value


def hold_out_dev(
    examples: Sequence[Any], seed: int, unit: str
) -> tuple[list[Any], list[Any], dict[str, Any]]:
    """A run given no dev data: a seeded 10 % of its training ``examples`` held out to pick
    the best epoch, said in the log and recorded (the record goes into ``meta.json``).

    Returns:
        The examples kept for training, the held-out dev examples, and the record.
    """
    kept, dev = hold_out(examples, seed=seed)
    log.warning(
        "no dev data given: %d of the %d training %s are held out to pick the best epoch (seed %d)",
        len(dev),
        len(examples),
        unit,
        seed,
    )
    return kept, dev, {"held_out_of_train": len(dev), "seed": seed}


def train_members(
    plan: Plan,
    *,
    output: Path | None,
    train_config: TrainConfig,
    dtype: str,
    resume: bool = False,
    keep_checkpoint: bool = False,
    progress: bool = True,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[Any, TrainResult | None]:
    """Train ``plan.members`` networks and return the model made of their best epochs,
    finished by ``plan.finish``.

    With ``output`` the best model so far is saved there after every improving epoch and
    the checkpoint lives in ``<output>.checkpoint`` (one sub-directory per member of an
    ensemble, beside the finished members' weights); ``resume`` continues from it. The
    returned model is the one saved (its weights as stored in ``dtype``).

    Returns:
        The model and the :class:`TrainResult` of the last network trained (None when a
        resumed ensemble had nothing left to train).
    """
    checkpoint_dir = checkpoint_dir_for(output) if output is not None else None
    if resume:
        if output is None or not has_checkpoint(output):
            raise ModelFileError(
                f"nothing to resume: {output} was saved before its run's first checkpoint; "
                "train it again (overwriting it)"
            )
        check_architecture(output, plan.architecture)
    ensemble = plan.members > 1
    finished: list[dict[str, np.ndarray]] = []  # the best weights of each finished member
    runs: list[dict[str, Any]] = []
    result = None
    meta = {**plan.meta, "train_config": dataclasses.asdict(train_config)}
    best: dict[str, Any] = {}  # the dev scores and epoch of the last model saved
    for member in range(plan.members):
        done = (
            checkpoint_dir / f"member{member}.safetensors" if checkpoint_dir and ensemble else None
        )
        if resume and done is not None and done.is_file():
            finished.append(serialization.load_tensors(done))
            runs.append({"member": member, "resumed": True})
            continue
        member_dir = checkpoint_dir / f"member{member}" if done is not None else checkpoint_dir
        seed = train_config.seed + member
        seed_everything(seed)
        network = plan.network(member)
        if ensemble:
            log.info("network %d of %d (seed %d)", member + 1, plan.members, seed)

        def on_best(net: nn.Module, metrics: dict[str, float], epoch: int) -> None:
            best.update(dev=metrics, epoch=epoch)
            if output is not None:
                model = plan.model([*finished, state_arrays(net)], {**meta, **best})
                model.save(output, overwrite=True, dtype=dtype)

        result = fit(
            network,
            plan.train,
            plan.dev,
            collate=plan.collate,
            evaluate=plan.evaluate,
            metric=plan.metric,
            config=dataclasses.replace(train_config, seed=seed),
            length=plan.length,
            checkpoint_dir=member_dir,
            resume=resume and member_dir is not None and (member_dir / CHECKPOINT_FILE).is_file(),
            on_best=on_best,
            on_epoch=on_epoch,
            progress=progress,
        )
        finished.append(state_arrays(network))
        runs.append(
            {
                "member": member,
                "seed": seed,
                "dev_" + plan.metric: result.best_metric,
                "best_epoch": result.best_epoch,
                "epochs": result.epochs,
                "stopped_early": result.stopped_early,
                "train_seconds": round(result.seconds, 1),
            }
        )
        if done is not None and is_main_process():
            done.parent.mkdir(parents=True, exist_ok=True)
            serialization.recover_interrupted_save(done)  # a write cut by a kill
            serialization.save_tensors_atomic(done, finished[-1])
    if not best and output is not None and (output / serialization.CONFIG_FILE).is_file():
        saved = serialization.load_model(output).meta  # resumed, and no epoch was better
        best = {key: saved[key] for key in ("dev", "epoch") if key in saved}
    meta.update(best)
    meta["runs"] = runs
    meta["train_seconds"] = sum(run.get("train_seconds", 0) for run in runs)
    if result is not None:
        meta["training"] = {
            "epochs": result.epochs,
            "best_epoch": result.best_epoch,
            "stopped_early": result.stopped_early,
            "seconds": round(result.seconds, 1),
            "history": result.history,
        }
    model = plan.model(finished, meta)
    for step in plan.finish:
        model = step(model)
    if output is not None and is_main_process():  # in a torchrun job the other ranks only read
        model.save(output, overwrite=True, dtype=dtype)
        model = type(model).load(output)
        if not keep_checkpoint:
            remove_checkpoint(checkpoint_dir, plan.members)
    return model, result


def remove_checkpoint(checkpoint_dir: Path, members: int) -> None:
    """Remove a finished run's checkpoint directory (only the files training wrote)."""
    directories = [checkpoint_dir]
    if members > 1:
        directories = [checkpoint_dir / f"member{m}" for m in range(members)] + directories
        for member in range(members):
            done = checkpoint_dir / f"member{member}.safetensors"
            serialization.recover_interrupted_save(done)
            done.unlink(missing_ok=True)
    for directory in directories:
        (directory / CHECKPOINT_FILE).unlink(missing_ok=True)
        serialization.recover_interrupted_save(directory / CHECKPOINT_FILE)
        try:
            directory.rmdir()
        except OSError:
            pass  # missing, or something else lives there: leave it
