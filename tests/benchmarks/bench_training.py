"""Training speed of the shipped recipes on one device, and of a torchrun job, run on demand.

    # each recipe on a device (default: the full recipe; --epochs N cuts it short)
    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_training.py device \\
        --device cuda [--no-amp] [--task tagger|sentiment ...] [--epochs N]
    # the tagger recipe for N epochs in one process and in a 2-process torchrun job (CPU)
    SEQNLP_DATA_DIR=../shared/data python tests/benchmarks/bench_training.py distributed
    # only the shipped models' own records (seconds; every run above refreshes them too)
    python tests/benchmarks/bench_training.py shipped

Each run trains through the CLI (``seqnlp train-tagger`` / ``train-sentiment``) into a
temporary directory and reads the per-epoch times and dev accuracy that training records
in the model's meta.json. Results are merged into tests/benchmarks/results/training.json
under a key naming the run (device, precision, task), so runs on different machines sit
side by side; ``shipped`` records what the shipped models' own meta.json says about the
run that trained them (on the 2-core CPU machine).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "training.json"
TASKS = ("tagger", "sentiment")


def summarize(task: str, meta: dict, wall: float | None) -> dict:
    """Epochs, training seconds and the saved model's dev score from a model's meta.json.

    Every network of an ensemble counts (``runs``: one per member, with its epochs and
    seconds); meta.json keeps the per-epoch history of the last network only, so seconds
    per epoch are the mean over all of them.
    """
    runs = meta.get("runs") or [
        {"epochs": meta["training"]["epochs"], "train_seconds": meta["training"]["seconds"]}
    ]
    epochs = sum(run["epochs"] for run in runs)
    seconds = sum(run["train_seconds"] for run in runs)
    out = {
        "networks": len(runs),
        "epochs": epochs,
        "seconds_per_epoch": round(seconds / epochs, 2),
        "training_seconds": round(seconds, 1),
        "dev": meta["dev"]["upos_accuracy" if task == "tagger" else "accuracy"],
        "model_created": meta.get("created"),
    }
    if wall is not None:
        out["wall_seconds"] = round(wall, 1)  # process start, data, training, final save
    return out


def train(task: str, output: Path, args: list[str], launcher: list[str] | None = None) -> dict:
    command = [*(launcher or [sys.executable]), "-m", "seqnlp", f"train-{task}", *args]
    command += ["--no-progress", "--output", str(output)]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    wall = time.perf_counter() - start
    meta = json.loads((output / "meta.json").read_text(encoding="utf-8"))
    return summarize(task, meta, wall)


def device_runs(device: str, amp: bool, tasks: list[str], epochs: int | None) -> dict:
    import torch

    name = torch.cuda.get_device_name() if device == "cuda" else platform.processor()
    out = {}
    for task in tasks:
        args = ["--device", device, "--amp" if amp else "--no-amp"]
        if epochs:
            args += ["--epochs", str(epochs)]
        with tempfile.TemporaryDirectory() as tmp:
            result = train(task, Path(tmp) / "model", args)
        key = f"{task}_{device}_{'bf16' if amp and device == 'cuda' else 'fp32'}"
        out[key] = {"device": name, "cores": os.cpu_count(), **result}
        print(key, out[key], flush=True)
    return out


def distributed_runs(epochs: int) -> dict:
    """The tagger recipe on CPU: one process vs a 2-process torchrun job (gloo)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    torchrun = [
        sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
        "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}",
    ]  # fmt: skip
    args = ["--device", "cpu", "--epochs", str(epochs)]
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["tagger_cpu_1_process"] = train("tagger", Path(tmp) / "one", args)
        out["tagger_cpu_torchrun_2_processes"] = train("tagger", Path(tmp) / "two", args, torchrun)
    one, two = (out[k]["seconds_per_epoch"] for k in out)
    out["epoch_speedup_2_processes"] = round(one / two, 2)
    out["cores"] = os.cpu_count()
    out["load_average_after"] = os.getloadavg()[0]
    print(out, flush=True)
    return out


def shipped() -> dict:
    """What the shipped models recorded about the CPU runs that trained them."""
    from importlib.resources import files

    out = {}
    for task in TASKS:
        meta = json.loads((files("seqnlp") / "pretrained" / task / "meta.json").read_text())
        out[f"{task}_shipped_cpu"] = summarize(task, meta, None)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    device = sub.add_parser("device", help="train each recipe on one device")
    device.add_argument("--device", default="cuda", choices=["cpu", "cuda"])
    device.add_argument("--amp", action=argparse.BooleanOptionalAction, default=True)
    device.add_argument("--task", action="append", choices=TASKS)
    device.add_argument("--epochs", type=int, help="cut the recipe short (default: in full)")
    distributed = sub.add_parser("distributed", help="1 process vs torchrun 2 processes, CPU")
    distributed.add_argument("--epochs", type=int, default=2)
    sub.add_parser("shipped", help="only refresh what the shipped models' meta.json records")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    if args.what == "device":
        new = device_runs(args.device, args.amp, args.task or list(TASKS), args.epochs)
    elif args.what == "distributed":
        new = {"distributed": distributed_runs(args.epochs)}
    else:
        new = {}
    results = json.loads(args.results.read_text()) if args.results.exists() else {}
    results.update(shipped())
    results.update({key: {**value, "run": provenance()} for key, value in new.items()})
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
