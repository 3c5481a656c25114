"""``seqnlp info MODEL``: a model's kind, config, vocabularies, parameters per layer and meta.

Reads only the JSON files and the safetensors header, so it imports neither torch nor gensim.
"""

from __future__ import annotations

import json
from typing import Any

import click


@click.command()
@click.argument("model", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the description as JSON.")
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Name parts that form a layer (encoder.lstm.weight_ih_l0 is 'encoder' at 1).",
)
def info(model: str | None, as_json: bool, depth: int) -> None:
    """Describe MODEL: a model directory, or a default model (embeddings, tagger, sentiment).
    With no MODEL, list the tasks seqnlp knows and their shipped models.

    \b
    Examples:
      seqnlp info
      seqnlp info tagger
      seqnlp info ./my-model --json
    """
    from seqnlp.serialization import describe_model, resolve_model

    if model is None:
        _list_tasks(as_json)
        return
    description = _imported_config(describe_model(resolve_model(model), depth=depth))
    if as_json:
        click.echo(json.dumps(description, indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(render(description)))


def _list_tasks(as_json: bool) -> None:
    """The registry: each kind, what it does, and where its shipped model is."""
    from seqnlp.serialization import DEFAULT_MODELS_DIR
    from seqnlp.tasks import TASKS

    rows = [
        {"kind": t.kind, "summary": t.summary, "default_model": str(DEFAULT_MODELS_DIR / t.kind)}
        for t in TASKS.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(row["kind"]) for row in rows)
    for row in rows:
        click.echo(f"{row['kind']:<{width}}  {row['summary']}")
    click.echo(f"\nshipped models: {DEFAULT_MODELS_DIR}/<kind>; `seqnlp info KIND` describes one")


def _imported_config(d: dict[str, Any]) -> dict[str, Any]:
    """Vectors imported from a word2vec/GloVe/fastText file were trained elsewhere: their
    config.json holds only placeholders beside ``dim`` and ``lowercase`` (window, epochs...
    would be invented), so only those and where the vectors came from are shown."""
    meta = d["meta"]
    if d["kind"] != "vectors" or "source" not in meta or "training" in meta:
        return d
    source = meta["source"]
    config = {k: d["config"][k] for k in ("dim", "lowercase") if k in d["config"]}
    config["trained"] = (
        f"elsewhere: imported from {source.get('file')} ({source.get('format')} format)"
    )
    return {**d, "config": config}


def render(d: dict[str, Any]) -> list[str]:
    """The human-readable report, as lines."""
    lines = [f"{d['kind']} model at {d['path']} (format version {d['format_version']})"]
    if d["config"]:
        lines += ["", "config"]
        lines += _mapping(d["config"], indent=2)
    if d["vocab_sizes"]:
        lines += ["", "vocabularies"]
        width = max(len(name) for name in d["vocab_sizes"])
        for name, size in d["vocab_sizes"].items():
            shown = "?" if size is None else f"{size:,}"
            lines.append(f"  {name:<{width}}  {shown}")
    lines += ["", "parameters"]
    lines += _parameter_table(d["groups"], d["parameters"])
    for rnn in d["recurrent"]:
        lines += ["", *_recurrent_note(rnn)]
    if d["meta"]:
        lines += ["", "meta"]
        lines += _mapping(d["meta"], indent=2)
    lines += ["", "files"]
    width = max(len(name) for name in [*d["files"], "total"])
    for name, size in d["files"].items():
        lines.append(f"  {name:<{width}}  {_bytes(size):>10}")
    lines.append(f"  {'total':<{width}}  {_bytes(d['size']):>10}")
    return lines


def _parameter_table(groups: list[dict[str, Any]], total: int) -> list[str]:
    rows = [("layer", "tensors", "parameters", "share", "dtype")]
    for g in groups:
        share = f"{100 * g['parameters'] / total:.1f}%" if total else "-"
        row = (g["name"], str(g["tensors"]), f"{g['parameters']:,}", share, ", ".join(g["dtypes"]))
        rows.append(row)
    rows.append(("total", str(sum(g["tensors"] for g in groups)), f"{total:,}", "", ""))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    aligned = []
    for row in rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(w) for cell, w in zip(row[1:4], widths[1:4], strict=True)]
        cells.append(row[4])
        aligned.append(("  " + "  ".join(cells)).rstrip())
    return aligned


def _recurrent_note(rnn: dict[str, Any]) -> list[str]:
    from seqnlp.layers.spec import CELL_NAMES

    cell = CELL_NAMES[rnn["cell"]]
    gates = rnn["gates"]
    n_layers = len(rnn["layers"])
    shape = f"{n_layers} layer{'s' if n_layers > 1 else ''}"
    shape += ", bidirectional" if rnn["bidirectional"] else ""
    lines = [f"{rnn['module'] or '(top level)'}: {cell}, {shape}"]
    for layer in rnn["layers"]:
        per_direction = f"{layer['parameters']:,} parameters"
        if layer["directions"] > 1:
            per_direction += f" per direction × {layer['directions']}"
        lines.append(
            f"  layer {layer['layer']}: input {layer['input_size']}, "
            f"hidden {layer['hidden_size']}: {per_direction}"
        )
    lines.append(f"  total {rnn['parameters']:,} (textbook count {rnn['textbook_parameters']:,})")
    if rnn["parameters"] != rnn["textbook_parameters"]:
        first = rnn["layers"][0]
        factor = f"{gates}·" if gates > 1 else ""
        pytorch = f"{factor}((input+hidden)·hidden + 2·hidden)"
        textbook = f"{factor}((input+hidden)·hidden + hidden)".ljust(len(pytorch))
        lines += [
            "  note: PyTorch keeps two bias vectors per gate, b_ih and b_hh (for cuDNN",
            "  compatibility), where the textbook cell has one. Per layer and direction:",
            f"    PyTorch   {pytorch} = {first['parameters']:,}",
            f"    textbook  {textbook} = {first['textbook_parameters']:,}",
            f"  for input {first['input_size']} and hidden {first['hidden_size']}; "
            "the counts above are PyTorch's.",
        ]
    return lines


def _mapping(mapping: dict[str, Any], indent: int) -> list[str]:
    lines = []
    pad = " " * indent
    for key, value in mapping.items():
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{key}:")
            lines += _mapping(value, indent + 2)
        elif key == "history" and isinstance(value, list):  # one record per epoch
            lines.append(f"{pad}{key}: {_field(key, value)}")
        elif isinstance(value, list) and any(isinstance(v, dict) for v in value):
            lines.append(f"{pad}{key}:")
            for item in value:
                if isinstance(item, dict):
                    fields = ", ".join(f"{k}: {_field(k, v)}" for k, v in item.items())
                else:
                    fields = _scalar(item)
                lines.append(f"{pad}  - {fields}")
        else:
            lines.append(f"{pad}{key}: {_scalar(value)}")
    return lines


def _field(key: str, value: Any) -> str:
    return _history(value) if key == "history" and isinstance(value, list) else _scalar(value)


def _history(epochs: list[Any]) -> str:
    """A training history in one line: epochs, and the loss from the first to the last."""
    losses = [e["loss"] for e in epochs if isinstance(e, dict) and "loss" in e]
    said = f"{len(epochs)} epoch{'s' * (len(epochs) != 1)}"
    if losses:
        said += f", loss {losses[0]:.4g} -> {losses[-1]:.4g}"
    return said + " (--json shows each)"


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items()) + "}"
    return str(value)


def _bytes(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KiB", "MiB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
