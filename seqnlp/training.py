"""One training loop for every task: batching, Adam, clipping, early stopping, checkpoints.

A task (the tagger, the sentiment classifier) hands :func:`fit` three things:

- a network whose ``forward(**batch.inputs)`` returns outputs and whose
  ``loss(outputs, **batch.targets)`` turns them into a scalar;
- ``collate(examples) -> Batch``: a list of its examples as tensors;
- ``evaluate(network, examples) -> {"metric": value, ...}`` on the dev set, higher is better.

Every epoch ends with an atomic checkpoint (one safetensors file: current and best weights,
Adam's state and the torch RNG state as tensors, the rest as JSON in its header; no pickle),
so that Ctrl-C or SIGTERM leaves the best model usable and ``resume=True`` continues where the
last epoch ended. Batch order depends on the seed and the epoch number only, so a resumed run
draws the same batches as an uninterrupted one, and on CPU a run with ``seed`` repeats exactly.

Under ``torchrun`` (environment variables ``RANK``/``WORLD_SIZE``/``LOCAL_RANK``) the same
loop trains data-parallel: the network is wrapped in ``DistributedDataParallel`` (gloo on CPU,
NCCL on CUDA), a ``DistributedSampler`` deals each process its share of the length-bucketed
batches, losses and dev metrics are reduced across processes so that every rank takes the
same early-stopping decision, and only rank 0 writes checkpoints and models. On CUDA the
forward pass runs under bfloat16 autocast (``TrainConfig.amp``).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import json
import logging
import math
import os
import random
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from seqnlp import serialization
from seqnlp.errors import ModelFileError, SeqnlpError

log = logging.getLogger("seqnlp")

DEVICES = ("auto", "cpu", "cuda")
CHECKPOINT_FILE = "checkpoint.safetensors"
CHECKPOINT_FORMAT = 1


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
    """

    epochs: int = 20
    batch_size: int = 32
    lr: float = 2e-3
    lr_decay: float = 1.0
    weight_decay: float = 0.0
    clip: float = 5.0
    patience: int = 5
    seed: int = 1
    device: str = "auto"
    amp: bool = True

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise SeqnlpError(f"device must be one of {DEVICES}, got {self.device!r}")
        for name in ("epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise SeqnlpError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0 or not 0 < self.lr_decay <= 1:
            raise SeqnlpError(f"need lr > 0 and 0 < lr_decay <= 1, got {self.lr}, {self.lr_decay}")
        if self.clip < 0 or self.patience < 0 or self.weight_decay < 0:
            raise SeqnlpError("clip, patience and weight_decay cannot be negative")


@dataclasses.dataclass
class Batch:
    """Tensors for one step: ``network(**inputs)``, then ``network.loss(outputs, **targets)``.

    ``size`` is what the progress bar counts per second (tokens for a tagger, texts for a
    classifier).
    """

    inputs: dict[str, torch.Tensor]
    targets: dict[str, torch.Tensor]
    size: int

    def to(self, device: torch.device) -> Batch:
        def move(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return {k: v.to(device, non_blocking=True) for k, v in tensors.items()}

        return Batch(move(self.inputs), move(self.targets), self.size)


@dataclasses.dataclass
class TrainResult:
    """What :func:`fit` did; the network it was given now holds the best weights."""

    best_metric: float
    best_epoch: int
    epochs: int
    history: list[dict[str, Any]]
    stopped_early: bool
    seconds: float


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU is an error."""
    if name not in DEVICES:
        raise SeqnlpError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise SeqnlpError("--device cuda: no CUDA device is available (use cpu or auto)")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (call it before building a network)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def unwrap(network: nn.Module) -> nn.Module:
    """The network inside a ``DistributedDataParallel``/``DataParallel`` wrapper, or itself."""
    return getattr(network, "module", network)


@dataclasses.dataclass(frozen=True)
class Distributed:
    """This process's place in a ``torchrun`` job; rank 0 of 1 when it runs alone."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the one process that logs, saves models and writes checkpoints."""
        return self.rank == 0


def distributed() -> Distributed:
    """Read the ``RANK``/``WORLD_SIZE``/``LOCAL_RANK`` variables that ``torchrun`` sets."""
    try:
        return Distributed(
            rank=int(os.environ.get("RANK", 0)),
            world_size=int(os.environ.get("WORLD_SIZE", 1)),
            local_rank=int(os.environ.get("LOCAL_RANK", 0)),
        )
    except ValueError:
        raise SeqnlpError("RANK, WORLD_SIZE and LOCAL_RANK must be integers") from None


def is_main_process() -> bool:
    """False in the processes of a ``torchrun`` job other than rank 0 (they stay quiet)."""
    return distributed().is_main


def join_process_group(device_name: str) -> tuple[Distributed, torch.device]:
    """Join the ``torchrun`` job, if any, and choose this process's device.

    Each process of a CUDA job takes the GPU numbered by its local rank; the group talks
    through NCCL on CUDA and gloo on CPU. Alone, this is :func:`resolve_device`.
    """
    place = distributed()
    device = resolve_device(device_name)
    if device.type == "cuda" and place.enabled:
        if place.local_rank >= torch.cuda.device_count():
            raise SeqnlpError(
                f"local rank {place.local_rank} has no GPU: this node has "
                f"{torch.cuda.device_count()}; start at most that many processes per node"
            )
        device = torch.device("cuda", place.local_rank)
        torch.cuda.set_device(device)
    if place.enabled and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
        atexit.register(dist.destroy_process_group)
        log.info("process %d of %d on %s", place.rank + 1, place.world_size, device)
    return place, device


def _broadcast_metrics(metrics: dict[str, float], device: torch.device) -> dict[str, float]:
    """Rank 0's dev metrics on every rank, so that all take the same early-stopping path."""
    keys = sorted(metrics)
    values = torch.tensor([metrics[k] for k in keys], dtype=torch.float64, device=device)
    dist.broadcast(values, src=0)
    return dict(zip(keys, values.tolist(), strict=True))


def _epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """A distributed run's dropout seed: different per rank, repeatable on resume."""
    return (seed * 1_000_003 + epoch) * 1_009 + rank


def batch_schedule(
    lengths: Sequence[int],
    batch_size: int,
    *,
    shuffle: bool,
    seed: int = 0,
    epoch: int = 0,
) -> list[list[int]]:
    """Group example indices into batches of similar length (little padding, fast RNNs).

    Examples are sorted by length with random tie-breaking, cut into batches, and the
    batches shuffled; the order depends only on ``seed`` and ``epoch``, so every process
    of a distributed run computes the same list (:func:`fit` then deals it out).

    Args:
        lengths: length of each example.
        batch_size: examples per batch.
        shuffle: shuffle ties and batch order (training); else batches in length order.
    """
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(len(lengths)))
    if shuffle:
        rng.shuffle(order)
    order.sort(key=lambda i: lengths[i])  # stable: random order within one length
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if shuffle:
        rng.shuffle(batches)
    return batches


# ---------------------------------------------------------------- checkpoints


def _state_tensors(prefix: str, state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    return {f"{prefix}{k}": v.detach().cpu().numpy() for k, v in state.items()}


def save_checkpoint(
    path: str | Path,
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    best_state: dict[str, torch.Tensor],
    state: dict[str, Any],
) -> None:
    """Write everything needed to resume into one safetensors file, atomically.

    Tensors: ``model.*`` (weights now), ``best.*`` (best weights so far), ``optim.<i>.*``
    (Adam's moments and step per parameter), ``rng.torch`` (and ``rng.cuda.<i>``). The
    header's ``checkpoint`` entry holds ``state`` (epoch, best metric, history...) and
    Adam's hyper-parameters as JSON.
    """
    tensors = _state_tensors("model.", unwrap(network).state_dict())
    tensors.update(_state_tensors("best.", best_state))
    opt = optimizer.state_dict()
    for index, param_state in opt["state"].items():
        for key, value in param_state.items():
            value = torch.as_tensor(value).detach().cpu()
            # safetensors keeps shapes; the 0-d step counter is stored as shape (1,)
            tensors[f"optim.{index}.{key}"] = value.reshape(-1) if value.dim() == 0 else value
            tensors[f"optim.{index}.{key}"] = tensors[f"optim.{index}.{key}"].numpy()
    tensors["rng.torch"] = torch.get_rng_state().numpy()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, rng in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = rng.numpy()
    header = {
        "format": CHECKPOINT_FORMAT,
        **state,
        "param_groups": opt["param_groups"],
    }
    metadata = {"checkpoint": json.dumps(header)}
    serialization.save_tensors_atomic(path, tensors, metadata)


def load_checkpoint(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`: (tensors, header).

    Raises:
        ModelFileError: missing, corrupted or not a seqnlp checkpoint.
    """
    import safetensors

    path = Path(path)
    tensors = serialization.load_tensors(path)
    try:
        with safetensors.safe_open(path, framework="numpy") as f:
            header = json.loads((f.metadata() or {})["checkpoint"])
    except (KeyError, ValueError, TypeError):
        raise ModelFileError(f"{path} is a safetensors file but not a seqnlp checkpoint") from None
    if not isinstance(header, dict) or header.get("format") != CHECKPOINT_FORMAT:
        raise ModelFileError(f"{path}: unsupported checkpoint format")
    return tensors, header


def _restore(
    path: Path,
    network: nn.Module,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors, header = load_checkpoint(path)
    own = unwrap(network).state_dict()
    expected = {f"model.{k}": tuple(v.shape) for k, v in own.items()}
    expected.update({f"best.{k}": tuple(v.shape) for k, v in own.items()})
    found = {k: v for k, v in tensors.items() if k.startswith(("model.", "best."))}
    try:
        serialization.check_shapes(found, expected, source=path)
    except ModelFileError as exc:
        raise ModelFileError(f"the checkpoint does not fit this network: {exc}") from None

    def state(prefix: str) -> dict[str, torch.Tensor]:
        return {k: torch.from_numpy(tensors[f"{prefix}{k}"].copy()) for k in own}

    try:  # read everything before changing anything: a damaged file leaves the run as it was
        groups = [dict(group) for group in header["param_groups"]]
        for group in groups:
            if isinstance(group.get("betas"), list):
                group["betas"] = tuple(group["betas"])
        opt_state: dict[int, dict[str, torch.Tensor]] = {}
        for name, value in tensors.items():
            if name.startswith("optim."):
                _, index, key = name.split(".", 2)
                opt_state.setdefault(int(index), {})[key] = torch.from_numpy(value.copy())
        for param_state in opt_state.values():
            if "step" in param_state:
                param_state["step"] = param_state["step"].reshape(())
        rng = torch.from_numpy(tensors["rng.torch"].copy())
    except (KeyError, ValueError, TypeError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: incomplete or damaged checkpoint ({exc!r})") from None
    try:
        optimizer.load_state_dict({"state": opt_state, "param_groups": groups})
        torch.set_rng_state(rng)
    except (ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: optimizer state does not fit this network ({exc})") from None
    unwrap(network).load_state_dict(state("model."))
    best_state = state("best.")
    cuda_states = [tensors[k] for k in sorted(tensors) if k.startswith("rng.cuda.")]
    if cuda_states and device.type == "cuda":
        torch.cuda.set_rng_state_all([torch.from_numpy(s.copy()) for s in cuda_states])
    return best_state, header


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM stop training the way Ctrl-C does (the best model is already on disk)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt("SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---------------------------------------------------------------- the loop


def fit(
    network: nn.Module,
    train: Sequence[Any],
    dev: Sequence[Any],
    *,
    collate: Callable[[list[Any]], Batch],
    evaluate: Callable[[nn.Module, Sequence[Any]], dict[str, float]],
    metric: str,
    config: TrainConfig,
    length: Callable[[Any], int] = len,
    checkpoint_dir: str | Path | None = None,
    resume: bool = False,
    on_best: Callable[[nn.Module, dict[str, float], int], None] | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
    progress: bool = True,
) -> TrainResult:
    """Train ``network`` with Adam, keep the weights that score best on ``dev``.

    Args:
        network: built and seeded by the task; moved to ``config.device``.
        train, dev: the task's examples (already turned into ids).
        collate: examples -> :class:`Batch`.
        evaluate: ``(network, dev) -> metrics``; called in eval mode without gradients.
        metric: the key of ``evaluate``'s result to maximise.
        config: see :class:`TrainConfig`.
        length: an example's length, for batching examples of similar length together.
        checkpoint_dir: where ``checkpoint.safetensors`` is written after every epoch
            (None: no checkpoints).
        resume: continue from the checkpoint in ``checkpoint_dir``.
        on_best: called with (network, metrics, epoch) whenever the dev metric improves;
            the task saves its model there, so the best model is on disk at every moment.
        on_epoch: called with each epoch's record (epoch, loss, metrics, seconds...).
        progress: show a tqdm bar per epoch (loss and examples/s).

    Returns:
        A :class:`TrainResult`; ``network`` holds the best weights when it returns.

    Raises:
        KeyboardInterrupt: on Ctrl-C or SIGTERM, after logging where the best model is.
        ModelFileError: ``resume`` without a usable checkpoint.
    """
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data.distributed import DistributedSampler
    from tqdm.auto import tqdm

    place, device = join_process_group(config.device)
    if not train:
        raise SeqnlpError("no training examples")
    if not dev:
        raise SeqnlpError("no dev examples to choose the best epoch with")
    checkpoint = Path(checkpoint_dir) / CHECKPOINT_FILE if checkpoint_dir else None
    if checkpoint is not None and place.is_main:
        serialization.recover_interrupted_save(checkpoint)
    core = unwrap(network)
    core.to(device)
    params = [p for p in core.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)

    state: dict[str, Any] = {
        "epoch": 0,
        "best_metric": -math.inf,
        "best_epoch": 0,
        "bad_epochs": 0,
        "history": [],
        "metric": metric,
        "seconds": 0.0,
        "config": dataclasses.asdict(config),
    }
    best_state = {k: v.detach().cpu().clone() for k, v in core.state_dict().items()}
    if resume:
        if checkpoint is None or not checkpoint.is_file():
            raise ModelFileError(f"no checkpoint to resume from at {checkpoint}")
        best_state, saved = _restore(checkpoint, network, optimizer, device)
        state.update({k: saved[k] for k in state if k in saved and k != "config"})
        if saved.get("metric") != metric:
            raise ModelFileError(f"{checkpoint} tracks {saved.get('metric')!r}, not {metric!r}")
        log.info(
            "resuming after epoch %d (best %s %.4f)", state["epoch"], metric, state["best_metric"]
        )
    else:
        torch.manual_seed(config.seed)
    if place.enabled:  # broadcasts rank 0's weights, then averages gradients at every step
        network = DistributedDataParallel(
            core, device_ids=[device.index] if device.type == "cuda" else None
        )
    use_amp = config.amp and device.type == "cuda" and torch.cuda.is_bf16_supported()
    progress = progress and place.is_main

    lengths = [length(example) for example in train]
    stopped_early = bool(state.get("stopped_early"))
    with _sigterm_as_interrupt():
        try:
            while state["epoch"] < config.epochs and not stopped_early:
                epoch = state["epoch"] + 1
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * config.lr_decay ** (epoch - 1)
                start = time.perf_counter()
                schedule = batch_schedule(
                    lengths, config.batch_size, shuffle=True, seed=config.seed, epoch=epoch
                )
                if place.enabled:  # every rank takes as many steps, on its own batches
                    sampler = DistributedSampler(
                        schedule, num_replicas=place.world_size, rank=place.rank, shuffle=False
                    )
                    schedule = [schedule[i] for i in sampler]
                    torch.manual_seed(_epoch_seed(config.seed, epoch, place.rank))
                network.train()
                total_loss, total_size, steps = 0.0, 0, 0
                bar = tqdm(
                    schedule,
                    desc=f"epoch {epoch}/{config.epochs}",
                    unit="batch",
                    disable=not progress,
                    leave=False,
                    dynamic_ncols=True,
                )
                for indices in bar:
                    batch = collate([train[i] for i in indices]).to(device)
                    optimizer.zero_grad(set_to_none=True)
                    with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                        loss = core.loss(network(**batch.inputs), **batch.targets)
                    loss.backward()
                    if config.clip:
                        nn.utils.clip_grad_norm_(params, config.clip)
                    optimizer.step()
                    total_loss += float(loss.detach())
                    total_size += batch.size
                    steps += 1
                    if steps % 10 == 0 or steps == len(schedule):
                        speed = total_size / max(time.perf_counter() - start, 1e-9)
                        bar.set_postfix(loss=f"{total_loss / steps:.4f}", speed=f"{speed:,.0f}/s")
                bar.close()
                train_seconds = time.perf_counter() - start
                if place.enabled:
                    totals = torch.tensor(
                        [total_loss, total_size, steps], dtype=torch.float64, device=device
                    )
                    dist.all_reduce(totals)
                    total_loss, total_size, steps = totals[0].item(), *map(int, totals[1:])
                network.eval()
                with torch.no_grad():
                    metrics = {k: float(v) for k, v in evaluate(core, dev).items()}
                if metric not in metrics:
                    raise SeqnlpError(f"evaluate returned {sorted(metrics)}, not {metric!r}")
                if place.enabled:
                    metrics = _broadcast_metrics(metrics, device)
                improved = metrics[metric] > state["best_metric"]
                if improved:
                    state.update(best_metric=metrics[metric], best_epoch=epoch, bad_epochs=0)
                    best_state = {k: v.detach().cpu().clone() for k, v in core.state_dict().items()}
                    if on_best is not None and place.is_main:
                        on_best(core, metrics, epoch)
                else:
                    state["bad_epochs"] += 1
                stopped_early = bool(config.patience and state["bad_epochs"] >= config.patience)
                seconds = time.perf_counter() - start
                record = {
                    "epoch": epoch,
                    "loss": total_loss / max(steps, 1),
                    "lr": optimizer.param_groups[0]["lr"],
                    "train_seconds": round(train_seconds, 2),
                    "seconds": round(seconds, 2),
                    "speed": total_size / max(train_seconds, 1e-9),
                    "improved": improved,
                    **metrics,
                }
                state["history"].append(record)
                state["epoch"] = epoch
                state["seconds"] += seconds
                state["stopped_early"] = stopped_early
                if checkpoint is not None and place.is_main:
                    checkpoint.parent.mkdir(parents=True, exist_ok=True)
                    save_checkpoint(checkpoint, network, optimizer, best_state, state)
                if not place.is_main:
                    continue
                log.info(
                    "epoch %d: loss %.4f, dev %s %.4f%s, %.0f/s, %.0f s",
                    epoch,
                    record["loss"],
                    metric,
                    metrics[metric],
                    " (best)" if improved else "",
                    record["speed"],
                    seconds,
                )
                if on_epoch is not None:
                    on_epoch(record)
        except KeyboardInterrupt:
            if not place.is_main:
                raise
            where = f"; resume with the checkpoint in {checkpoint.parent}" if checkpoint else ""
            log.warning(
                "training interrupted in epoch %d; best model so far: epoch %d (%s %.4f)%s",
                state["epoch"] + 1,
                state["best_epoch"],
                metric,
                state["best_metric"],
                where,
            )
            raise
    if place.enabled:
        dist.barrier()  # rank 0's last model and checkpoint are on disk for everyone
    if stopped_early and place.is_main:
        log.info("no better %s for %d epochs: stopped early", metric, config.patience)
    core.load_state_dict(best_state)
    return TrainResult(
        best_metric=state["best_metric"],
        best_epoch=state["best_epoch"],
        epochs=state["epoch"],
        history=state["history"],
        stopped_early=stopped_early,
        seconds=state["seconds"],
    )


__all__ = [
    "DEVICES",
    "Batch",
    "Distributed",
    "TrainConfig",
    "TrainResult",
    "batch_schedule",
    "distributed",
    "fit",
    "is_main_process",
    "join_process_group",
    "load_checkpoint",
    "resolve_device",
    "save_checkpoint",
    "seed_everything",
    "unwrap",
]
