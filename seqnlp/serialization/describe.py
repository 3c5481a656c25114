"""What ``seqnlp info`` shows: a model summarised from its JSON files and safetensors header.

No tensor data is read, and nothing here imports torch: recurrent layers are recognised by
PyTorch's tensor names and their sizes compared with the textbook parameter count.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from seqnlp.layers.spec import CELLS_BY_GATES
from seqnlp.serialization.models import (
    META_FILE,
    MODEL_FILES,
    VOCAB_FILE,
    _read_config,
    _read_optional,
    _require_weights,
)
from seqnlp.serialization.tensors import TensorInfo, read_tensor_info

log = logging.getLogger("seqnlp")

# PyTorch names recurrent weights weight_ih_l{layer}[_reverse]; gates per cell type.
_RNN_TENSOR = re.compile(
    r"^(?:(?P<module>.*)\.)?(?P<param>weight_ih|weight_hh|weight_hr|bias_ih|bias_hh)"
    r"_l(?P<layer>\d+)(?P<reverse>_reverse)?$"
)


def _vocab_size(value: Any) -> int | None:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        for key in ("itos", "tokens", "words", "labels", "items", "index_to_token"):
            if isinstance(value.get(key), list):
                return len(value[key])
        return len(value)
    return None


def _rnn_direction(p: Mapping[str, TensorInfo]) -> dict[str, Any] | None:
    """Sizes of one layer and direction of a PyTorch RNN/GRU/LSTM, or None if unrecognised."""
    ih, hh = p.get("weight_ih"), p.get("weight_hh")
    if ih is None or hh is None or len(ih.shape) != 2 or len(hh.shape) != 2:
        return None
    hidden = p["weight_hr"].shape[1] if "weight_hr" in p else hh.shape[1]
    if not hidden or ih.shape[0] % hidden or ih.shape[0] // hidden not in CELLS_BY_GATES:
        return None
    gates = ih.shape[0] // hidden
    real = sum(t.size for t in p.values())
    # The textbook cell has one bias per gate; PyTorch stores two, b_ih and b_hh (cuDNN's
    # layout), so it holds gates * hidden more parameters than the textbook formula.
    two_biases = "bias_ih" in p and "bias_hh" in p
    return {
        "gates": gates,
        "input_size": ih.shape[1],
        "hidden_size": hidden,
        "parameters": real,
        "textbook_parameters": real - gates * hidden if two_biases else real,
    }


def _recurrent_layers(infos: Mapping[str, TensorInfo]) -> list[dict[str, Any]]:
    """Find PyTorch RNN/GRU/LSTM weights and compare their size with the textbook count."""
    found: dict[str, dict[tuple[int, bool], dict[str, TensorInfo]]] = {}
    for name, info in infos.items():
        m = _RNN_TENSOR.match(name)
        if m:
            directions = found.setdefault(m["module"] or "", {})
            directions.setdefault((int(m["layer"]), bool(m["reverse"])), {})[m["param"]] = info
    modules = []
    for module, directions in sorted(found.items()):
        sizes = {key: _rnn_direction(p) for key, p in sorted(directions.items())}
        if any(s is None for s in sizes.values()) or len({s["gates"] for s in sizes.values()}) != 1:
            log.debug("tensors of %r look recurrent but do not fit RNN/GRU/LSTM", module)
            continue
        rows: dict[int, dict[str, Any]] = {}
        for (layer, _reverse), s in sizes.items():
            gates = s.pop("gates")
            row = rows.setdefault(layer, {"layer": layer, "directions": 0, **s})
            row["directions"] += 1
        layers = list(rows.values())
        modules.append(
            {
                "module": module,
                "cell": CELLS_BY_GATES[gates],
                "gates": gates,
                "bidirectional": any(r["directions"] == 2 for r in layers),
                "layers": layers,
                "parameters": sum(r["parameters"] * r["directions"] for r in layers),
                "textbook_parameters": sum(
                    r["textbook_parameters"] * r["directions"] for r in layers
                ),
            }
        )
    return modules


def describe_model(directory: str | os.PathLike, *, depth: int = 1) -> dict[str, Any]:
    """Summarise a model from its JSON files and the safetensors header (no tensor data read).

    Args:
        directory: the model directory.
        depth: how many leading parts of a tensor name form a layer group
            (``encoder.lstm.weight_ih_l0`` is ``encoder`` at depth 1, ``encoder.lstm`` at 2).

    Returns:
        Plain data: kind, format_version, config, vocab sizes, meta, tensors, parameter
        groups, recurrent layers (PyTorch vs textbook counts), total parameters, file sizes.

    Raises:
        ModelFileError: as :func:`load_model`.
    """
    if depth < 1:
        raise ValueError(f"depth must be at least 1, got {depth}")
    directory = Path(directory)
    kind, version, config = _read_config(directory, None)
    infos = read_tensor_info(_require_weights(directory))
    vocab = _read_optional(directory, VOCAB_FILE)
    meta = _read_optional(directory, META_FILE) or {}

    groups: dict[str, dict[str, Any]] = {}
    for name, info in infos.items():
        parts = name.split(".")
        key = ".".join(parts[: min(depth, max(len(parts) - 1, 1))])
        group = groups.setdefault(key, {"name": key, "tensors": 0, "parameters": 0, "dtypes": []})
        group["tensors"] += 1
        group["parameters"] += info.size
        if info.dtype not in group["dtypes"]:
            group["dtypes"].append(info.dtype)

    files = {
        name: (directory / name).stat().st_size
        for name in MODEL_FILES
        if (directory / name).is_file()
    }
    return {
        "path": str(directory),
        "kind": kind,
        "format_version": version,
        "config": config,
        "vocab_sizes": {
            k: _vocab_size(v) for k, v in (vocab or {}).items() if isinstance(v, list | dict)
        },
        "meta": meta,
        "tensors": [
            {"name": n, "dtype": i.dtype, "shape": list(i.shape), "parameters": i.size}
            for n, i in sorted(infos.items())
        ],
        "groups": sorted(groups.values(), key=lambda g: g["name"]),
        "recurrent": _recurrent_layers(infos),
        "parameters": sum(i.size for i in infos.values()),
        "files": files,
        "size": sum(files.values()),
    }
