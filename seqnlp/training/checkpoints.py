"""Checkpoints: everything needed to resume a run, in one safetensors file, written atomically.

Tensors: current and best weights, Adam's state and the RNG state; the rest (epoch, best
metric, history, Adam's hyper-parameters) as JSON in the header. No pickle.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from seqnlp import serialization
from seqnlp.errors import ModelFileError

CHECKPOINT_FILE = "checkpoint.safetensors"
CHECKPOINT_FORMAT = 1


def checkpoint_dir_for(output: str | os.PathLike) -> Path:
    """Where training into ``output`` keeps its checkpoint: ``<output>.checkpoint``."""
    output = Path(output)
    return output.with_name(output.name + ".checkpoint")


def unwrap(network: nn.Module) -> nn.Module:
    """The network inside a ``DistributedDataParallel``/``DataParallel`` wrapper, or itself."""
    return getattr(network, "module", network)


def state_arrays(network: nn.Module, prefix: str = "") -> dict[str, np.ndarray]:
    """The network's ``state_dict`` as float32 numpy arrays on the CPU (what models hold)."""
    state = unwrap(network).state_dict()
    return {f"{prefix}{k}": v.detach().cpu().float().numpy() for k, v in state.items()}


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


def restore_checkpoint(
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
