"""The loop itself: :func:`fit` trains a task's network with Adam and keeps its best epoch.

A task hands :func:`fit` its network (``forward(**batch.inputs)`` and
``loss(outputs, **batch.targets)``), ``collate(examples) -> Batch`` and
``evaluate(network, examples) -> metrics``; see :mod:`seqnlp.training`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
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
from seqnlp.batching import batch_schedule
from seqnlp.errors import ModelFileError, SeqnlpError
from seqnlp.training.checkpoints import CHECKPOINT_FILE, restore_checkpoint, save_checkpoint, unwrap
from seqnlp.training.config import TrainConfig, TrainResult
from seqnlp.training.distributed import broadcast_metrics, epoch_seed, join_process_group

log = logging.getLogger("seqnlp")


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


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch (call it before building a network)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


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
        best_state, saved = restore_checkpoint(checkpoint, network, optimizer, device)
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
    passes = passes_per_epoch(len(lengths), config, place.world_size)
    if passes > 1:
        log.info(
            "%d training examples: each epoch passes over them %d times, so that %d epochs "
            "take at least %d steps",
            len(lengths),
            passes,
            config.epochs,
            config.min_steps,
        )
    stopped_early = bool(state.get("stopped_early"))
    with _sigterm_as_interrupt():
        try:
            while state["epoch"] < config.epochs and not stopped_early:
                epoch = state["epoch"] + 1
                for group in optimizer.param_groups:
                    group["lr"] = config.lr * config.lr_decay ** (epoch - 1)
                start = time.perf_counter()
                schedule = []
                for number in range((epoch - 1) * passes + 1, epoch * passes + 1):
                    batches = batch_schedule(
                        lengths, config.batch_size, shuffle=True, seed=config.seed, epoch=number
                    )
                    if place.enabled:  # every rank takes as many steps, on its own batches
                        sampler = DistributedSampler(
                            batches, num_replicas=place.world_size, rank=place.rank, shuffle=False
                        )
                        batches = [batches[i] for i in sampler]
                    schedule += batches
                if place.enabled:
                    torch.manual_seed(epoch_seed(config.seed, epoch, place.rank))
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
                if not math.isfinite(total_loss) or not all(p.isfinite().all() for p in params):
                    raise SeqnlpError(_diverged(epoch, total_loss / max(steps, 1), state, config))
                network.eval()
                with torch.no_grad():
                    metrics = {k: float(v) for k, v in evaluate(core, dev).items()}
                if metric not in metrics:
                    raise SeqnlpError(f"evaluate returned {sorted(metrics)}, not {metric!r}")
                if place.enabled:
                    metrics = broadcast_metrics(metrics, device)
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
                    "passes": passes,
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
            where = ""
            if checkpoint is not None:  # none before the first epoch has ended
                where = (
                    f"; resume with the checkpoint in {checkpoint.parent}"
                    if checkpoint.is_file()
                    else "; no checkpoint yet, so nothing to resume"
                )
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


def passes_per_epoch(examples: int, config: TrainConfig, world_size: int = 1) -> int:
    """How many times one epoch goes over the training data: once, or as often as it takes
    for ``config.epochs`` epochs to make ``config.min_steps`` optimizer steps, so that a
    small data set (a few batches an epoch) still gets enough updates to learn from."""
    steps = math.ceil(math.ceil(examples / config.batch_size) / world_size)
    return max(1, math.ceil((config.min_steps or 0) / (config.epochs * max(steps, 1))))


def _diverged(epoch: int, loss: float, state: dict[str, Any], config: TrainConfig) -> str:
    """What to say when an epoch left the loss or the weights not finite (too high a
    learning rate): nothing of it was saved, and what to change."""
    kept = (
        f"the best model so far (epoch {state['best_epoch']}) and the checkpoint are kept"
        if state["best_epoch"]
        else "nothing was saved"
    )
    return (
        f"training diverged in epoch {epoch} (loss {loss:g}, weights no longer finite); "
        f"{kept}. Train again with a smaller learning rate than {config.lr:g}"
        + ("" if config.clip else " or with gradient clipping")
    )
