"""Where this process trains: its device, and its place in a ``torchrun`` job."""

from __future__ import annotations

import atexit
import dataclasses
import logging
import os

import torch
import torch.distributed as dist

from seqnlp.errors import SeqnlpError
from seqnlp.training.config import DEVICES

log = logging.getLogger("seqnlp")


def resolve_device(name: str) -> torch.device:
    """``auto`` -> CUDA when available, else CPU; ``cuda`` without a GPU is an error."""
    if name not in DEVICES:
        raise SeqnlpError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "cuda" and not torch.cuda.is_available():
        raise SeqnlpError("--device cuda: no CUDA device is available (use cpu or auto)")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


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


def broadcast_metrics(metrics: dict[str, float], device: torch.device) -> dict[str, float]:
    """Rank 0's dev metrics on every rank, so that all take the same early-stopping path."""
    keys = sorted(metrics)
    values = torch.tensor([metrics[k] for k in keys], dtype=torch.float64, device=device)
    dist.broadcast(values, src=0)
    return dict(zip(keys, values.tolist(), strict=True))


def epoch_seed(seed: int, epoch: int, rank: int) -> int:
    """A distributed run's dropout seed: different per rank, repeatable on resume."""
    return (seed * 1_000_003 + epoch) * 1_009 + rank
