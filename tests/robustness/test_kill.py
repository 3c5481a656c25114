"""kill -9 a training run mid-epoch or mid-write: what is on disk loads, --resume finishes.

Every run is ``seqnlp train-tagger`` or ``seqnlp train-sentiment`` (the CLI's ``main``) in a
process forked from a "zygote" that imported torch and seqnlp once: a fresh ``python -m
seqnlp`` costs seconds of imports on a busy machine, a fork milliseconds, and the forked run
is still a process of its own that the test kill -9s. Kills land at moments chosen at random
(seeded: the seed is in every assertion message and ``SEQNLP_KILL_SEED=<seed>`` replays it)
among points that a run reaches for sure, rather than after a sleep that may or may not fall
where it should: the n-th optimizer step (in the middle of an epoch), the n-th checkpoint or
model weights file cut at a random byte while in its temporary file, or the n-th model swap
between its two renames. At that point the child writes a marker and waits; the test sees
the marker and sends SIGKILL. The one kill at an unaimed moment (after a random delay) has a
gate at the run's last optimizer step, so the run is still training when the kill comes,
every time. Nothing in seqnlp is patched beyond wrapping ``safetensors.numpy``'s
``save_file``, ``os.replace`` and a global optimizer-step hook in the child.
"""

from __future__ import annotations

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from seqnlp import load
from seqnlp.errors import ModelFileError
from seqnlp.serialization import load_tensors
from seqnlp.training.checkpoints import CHECKPOINT_FILE, checkpoint_dir_for, load_checkpoint
from tests.cli.test_sentiment import write
from tests.sentiment.test_sentiment import toy
from tests.tagger.data import SENTENCES, tiny_cli_args, write_data

SEED = int(os.environ.get("SEQNLP_KILL_SEED") or random.randrange(2**32))
EPOCHS = 6
BATCH = 8
STEPS_PER_EPOCH = math.ceil(len(SENTENCES) * 3 / BATCH)  # write_data repeats them 3 times
# train-sentiment: two networks (members) of SENTIMENT_EPOCHS each on toy(60) data
SENTIMENT_EPOCHS = 4
SENTIMENT_STEPS = math.ceil(60 / BATCH)

ZYGOTE = r"""
import json, os, sys, time, traceback
for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(name, "1")  # a fork must not inherit a started thread pool
import safetensors.numpy
import torch
import tqdm.auto
from torch.nn.parallel import DistributedDataParallel
from torch.optim.optimizer import register_optimizer_step_post_hook
from torch.utils.data.distributed import DistributedSampler
import seqnlp.cli.tagger, seqnlp.tagger.network, seqnlp.tagger, seqnlp.training.driver
import seqnlp.cli.sentiment, seqnlp.cli.train_sentiment, seqnlp.sentiment.network, seqnlp.sentiment
from seqnlp.cli import main
# what every run imports; Adam's first use alone imports torch._dynamo (seconds)
torch.optim.Adam([torch.zeros(1, requires_grad=True)])

def stop_here(marker):
    with open(marker + ".part", "w") as f:
        f.write(str(os.getpid()))
    os.replace(marker + ".part", marker)
    time.sleep(120)  # the test kill -9s this process now
    os._exit(3)

def arm(point):
    at, n, marker = point["at"], point["n"], point["marker"]
    seen = [0]
    def nth():
        seen[0] += 1
        return seen[0] == n
    if at == "step":
        def hook(optimizer, args, kwargs):
            if nth():
                stop_here(marker)
        register_optimizer_step_post_hook(hook)
    elif at == "write":  # the file is still in its temp file, cut where the kill stopped it
        save_file = safetensors.numpy.save_file
        def save(tensors, filename, metadata=None):
            save_file(tensors, filename, metadata=metadata)
            if os.path.basename(filename).startswith(point["prefix"]) and nth():
                os.truncate(filename, int(os.path.getsize(filename) * point["fraction"]))
                stop_here(marker)
        safetensors.numpy.save_file = save
    elif at == "rename":  # after this rename, before the next one
        replace = os.replace
        def replace_then_stop(src, dst, **kwargs):
            replace(src, dst, **kwargs)
            if os.path.basename(dst).startswith(point["prefix"]) and nth():
                stop_here(marker)
        os.replace = replace_then_stop

for line in sys.stdin:
    job = json.loads(line)
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            fd = os.open(job["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            if job["point"]:
                arm(job["point"])
            main(job["argv"], prog_name="seqnlp")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    print(json.dumps({"status": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}), flush=True)
"""


class Zygote:
    """Runs ``seqnlp`` commands in processes forked from one warm interpreter."""

    def __init__(self) -> None:
        root = Path(__file__).resolve().parents[2]
        self.process = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=root,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        self.runs = 0

    def start(self, argv: list[str], log: Path, point: dict | None) -> int:
        self.process.stdin.write(json.dumps({"argv": argv, "log": str(log), "point": point}))
        self.process.stdin.write("\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["pid"]

    @staticmethod
    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)  # the zygote reaps its children at once: no zombie answers
        except ProcessLookupError:
            return False
        return True

    def status(self) -> int:
        return json.loads(self.process.stdout.readline())["status"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def zygote():
    z = Zygote()
    yield z
    z.close()


def sentiment_args(root: Path, output: Path) -> list[str]:
    """``seqnlp train-sentiment`` arguments for two tiny networks (about a second each)."""
    train, dev = write(root / "train.txt", toy(60, 1)), write(root / "dev.txt", toy(20, 2))
    return [
        "train-sentiment", "--train", train, "--dev", dev, "--embeddings", "none",
        "--hidden", "6", "--members", "2", "--ngram-weight", "0", "--lr", "0.01",
        "--epochs", str(SENTIMENT_EPOCHS), "--patience", "0", "--batch-size", str(BATCH),
        "--no-progress", "--output", str(output),
        "--min-steps", "0",  # one pass an epoch: the kill points count the steps of one
    ]  # fmt: skip


class Training:
    """One tiny training job in ``tmp_path``: the model goes to ``models/<task>``."""

    def __init__(self, zygote: Zygote, tmp_path: Path, name: str, task: str = "tagger") -> None:
        self.zygote = zygote
        self.root = tmp_path
        self.task = task
        self.rng = random.Random(f"{SEED}-{name}")
        self.output = tmp_path / "models" / task
        self.checkpoint = checkpoint_dir_for(self.output) / CHECKPOINT_FILE
        if task == "tagger":
            self.epochs, self.steps = EPOCHS, EPOCHS * STEPS_PER_EPOCH
            self.argv = tiny_cli_args(*write_data(tmp_path), self.output, EPOCHS, BATCH)
        else:
            self.epochs, self.steps = SENTIMENT_EPOCHS, 2 * SENTIMENT_EPOCHS * SENTIMENT_STEPS
            self.argv = sentiment_args(tmp_path, self.output)
        self.events: list[str] = [f"seed {SEED} (SEQNLP_KILL_SEED={SEED} replays it)"]

    @property
    def context(self) -> str:
        return "; ".join(self.events)

    def run(
        self, *, resume: bool, point: dict | None = None, delay: float | None = None
    ) -> tuple[int, str]:
        """Run the command to its end or to a kill -9; (exit status, output).

        Args:
            point: where the child waits for the kill (see ``ZYGOTE``'s ``arm``).
            delay: kill it this many seconds after its first checkpoint appears, wherever
                it is then; it waits at its last optimizer step (a ``point`` of its own)
                should it get there first, so it never finishes before the kill.
        """
        n = self.zygote.runs = self.zygote.runs + 1
        log = self.root / f"run-{n}.log"
        argv = [*self.argv, "--resume"] if resume else self.argv
        run = "resume" if resume else "run"
        if delay is not None:
            gate = self.root / f"gate-{n}"
            point = {"at": "step", "n": self.steps, "marker": str(gate)}
            marker = self.checkpoint
            self.events.append(f"{run} killed {delay:.3f} s after its first checkpoint")
        elif point is not None:
            marker = self.root / f"stopped-{n}"
            point = {**point, "marker": str(marker)}
            self.events.append(f"{run} killed at {point}")
        pid = self.zygote.start(argv, log, point)
        if point is not None:
            deadline = time.monotonic() + 120
            while not marker.exists() and self.zygote.alive(pid):
                if time.monotonic() > deadline:
                    os.kill(pid, signal.SIGKILL)
                    self.zygote.status()
                    pytest.fail(f"{run} stuck: {self.context}\n{log.read_text()}")
                time.sleep(0.002)
            if not marker.exists():
                self.zygote.status()
                pytest.fail(f"{run} never reached {point}: {self.context}\n{log.read_text()}")
            time.sleep(delay or 0)
            os.kill(pid, signal.SIGKILL)  # alive: it waits at the marker or the gate
            if delay is not None and gate.exists():
                self.events.append(f"{run} had reached its last step")
        status = self.zygote.status()
        text = log.read_text(encoding="utf-8")
        if point is not None:
            assert status == -signal.SIGKILL, f"{self.context}\n{text}"
        self.events.append(f"{run} ended with {status}")
        return status, text

    def model_tags(self) -> dict:
        """Load the model in output, check that it tags (or classifies); its meta.json."""
        if self.task == "sentiment":
            classifier = load(self.output)
            probabilities = classifier.probabilities(["a really good film", "a dull plot"])
            assert probabilities.shape == (2, 2), self.context
            np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
            return classifier.meta
        tagger = load(self.output)
        (tagged,) = tagger.predict(["I saw a saw."])
        assert [w for w, _, _ in tagged] == ["I", "saw", "a", "saw", "."], self.context
        assert all(u in tagger.vocabs["upos"].stoi for _, u, _ in tagged), self.context
        return tagger.meta

    def checkpoint_header(self) -> dict | None:
        """Load the checkpoint if there is one; its header."""
        if not self.checkpoint.exists():
            return None
        tensors, header = load_checkpoint(self.checkpoint)
        assert tensors and 1 <= header["epoch"] <= EPOCHS, self.context
        epochs = [r["epoch"] for r in header["history"]]
        assert epochs == list(range(1, header["epoch"] + 1)), self.context
        return header

    def survivors(self) -> dict | None:
        """The model tags and the checkpoint (if any) loads; the checkpoint's header."""
        meta = self.model_tags()
        header = self.checkpoint_header()
        if header is not None:  # a model is saved before its epoch's checkpoint, never after
            assert meta["epoch"] >= header["best_epoch"], self.context
        return header

    def finish(self) -> dict:
        """Resume to the end; check the finished model and that nothing is left behind."""
        status, text = self.run(resume=True)
        assert status == 0, f"{self.context}\n{text}"
        meta = self.model_tags()
        history = meta["training"]["history"]
        assert meta["training"]["epochs"] == self.epochs, self.context
        assert [r["epoch"] for r in history] == list(range(1, self.epochs + 1)), self.context
        left = sorted(p.name for p in self.output.parent.iterdir())
        assert left == [self.output.name], f"left behind {left}: {self.context}"  # no checkpoint
        return meta

    def leftovers(self) -> list[str]:
        """Temporary and set-aside files beside the model and the checkpoint."""
        places = [self.output.parent, self.checkpoint.parent]
        return sorted(
            f"{p.parent.name}/{p.name}"
            for place in places
            if place.is_dir()
            for p in place.iterdir()
            if p.name.startswith(".")
        )


def steps(epoch: int, step: int) -> int:
    """The global step number of ``step`` (1-based) in ``epoch``."""
    return (epoch - 1) * STEPS_PER_EPOCH + step


@pytest.fixture(scope="module")
def uninterrupted(zygote, tmp_path_factory) -> dict[str, np.ndarray]:
    """The weights of the same job run without a kill."""
    job = Training(zygote, tmp_path_factory.mktemp("uninterrupted"), "uninterrupted")
    status, text = job.run(resume=False)
    assert status == 0, text
    return load_tensors(job.output / "weights.safetensors")


def test_killed_mid_epoch_and_mid_checkpoint_then_resumed(zygote, uninterrupted, tmp_path):
    job = Training(zygote, tmp_path, "chain")
    # 1. kill -9 at a random step of epoch 2 or 3: the epoch before it is checkpointed
    epoch = job.rng.randint(2, 3)
    n = steps(epoch, job.rng.randint(1, STEPS_PER_EPOCH))
    job.run(resume=False, point={"at": "step", "n": n})
    header = job.survivors()
    assert header is not None and header["epoch"] == epoch - 1, job.context
    assert load(job.output).meta["epoch"] == header["best_epoch"], job.context
    # 2. resume, and kill -9 in the middle of writing a later epoch's checkpoint
    write = job.rng.randint(1, EPOCHS - header["epoch"])
    point = {"at": "write", "prefix": ".checkpoint.safetensors.tmp-", "n": write}
    job.run(resume=True, point={**point, "fraction": round(job.rng.random(), 3)})
    assert job.survivors()["epoch"] == epoch - 1 + write - 1, job.context
    temp = [p.name for p in job.checkpoint.parent.iterdir() if p.name != CHECKPOINT_FILE]
    assert len(temp) == 1, f"not killed mid-write ({temp}): {job.context}"
    # 3. resume to the end: the same model as a run never killed
    job.finish()
    weights = load_tensors(job.output / "weights.safetensors")
    assert weights.keys() == uninterrupted.keys(), job.context
    for name, value in uninterrupted.items():
        np.testing.assert_array_equal(weights[name], value, err_msg=f"{name}: {job.context}")


def test_killed_while_saving_the_model_then_resumed(zygote, tmp_path):
    job = Training(zygote, tmp_path, "model-write")
    # the second model save comes after epoch 1's checkpoint (at the latest the final save)
    point = {"at": "write", "prefix": ".weights.safetensors.tmp-", "n": 2}
    job.run(resume=False, point={**point, "fraction": round(job.rng.random(), 3)})
    assert job.survivors() is not None, job.context
    litter = job.leftovers()
    assert [name.split(".tmp-")[0] for name in litter] == ["models/.tagger"], job.context
    job.finish()  # and the half-written model directory is gone


def test_killed_between_the_renames_of_a_model_swap(zygote, tmp_path):
    job = Training(zygote, tmp_path, "model-swap")
    # the first rename of the n-th swap moves the previous model aside to .tagger.old-*;
    # there are at least two swaps after epoch 1 (an improving epoch, then the final save)
    n = job.rng.randint(1, 2)
    job.run(resume=False, point={"at": "rename", "prefix": ".tagger.old-", "n": n})
    assert job.checkpoint_header() is not None, job.context
    job.model_tags()  # the loader falls back on the model moved aside
    job.finish()  # which training puts back, then goes on


def test_killed_while_writing_the_first_checkpoint(zygote, tmp_path):
    job = Training(zygote, tmp_path, "first-checkpoint")
    point = {"at": "write", "prefix": ".checkpoint.safetensors.tmp-", "n": 1}
    job.run(resume=False, point={**point, "fraction": round(job.rng.random(), 3)})
    assert job.survivors() is None, job.context  # the epoch 1 model tags; no checkpoint yet
    assert job.model_tags()["epoch"] == 1, job.context
    job.finish()


def test_killed_at_an_unaimed_moment_then_resumed(zygote, tmp_path):
    """A kill wherever the run is after a random delay: any moment not aimed at above."""
    job = Training(zygote, tmp_path, "unaimed")
    job.run(resume=False, delay=round(job.rng.uniform(0, 0.4), 3))
    assert job.checkpoint_header() is not None, job.context  # it was killed, not finished
    try:
        job.model_tags()
    except ModelFileError:  # only in the microseconds between the two renames of a swap
        assert [n for n in job.leftovers() if ".old-" in n], job.context
    job.finish()


@pytest.fixture(scope="module")
def sentiment_uninterrupted(zygote, tmp_path_factory) -> dict[str, np.ndarray]:
    """The weights of the sentiment job run without a kill."""
    job = Training(zygote, tmp_path_factory.mktemp("sentiment"), "sentiment", "sentiment")
    status, text = job.run(resume=False)
    assert status == 0, text
    return load_tensors(job.output / "weights.safetensors")


def test_sentiment_killed_mid_epoch_then_resumed(zygote, sentiment_uninterrupted, tmp_path):
    """kill -9 train-sentiment at a random step in epoch 2 or 3 of either network: the
    model saved so far classifies, the network's checkpoint holds the epoch before, the
    first network (when done) waits beside it, and --resume ends with the weights of a run
    never killed."""
    job = Training(zygote, tmp_path, "sentiment-chain", "sentiment")
    member, epoch = job.rng.randint(0, 1), job.rng.randint(2, 3)
    step = job.rng.randint(1, SENTIMENT_STEPS)
    n = (member * SENTIMENT_EPOCHS + epoch - 1) * SENTIMENT_STEPS + step
    job.run(resume=False, point={"at": "step", "n": n})
    job.model_tags()
    checkpoints = checkpoint_dir_for(job.output)
    _, header = load_checkpoint(checkpoints / f"member{member}" / CHECKPOINT_FILE)
    assert header["epoch"] == epoch - 1, job.context
    assert (checkpoints / "member0.safetensors").is_file() == (member == 1), job.context
    job.finish()
    weights = load_tensors(job.output / "weights.safetensors")
    assert weights.keys() == sentiment_uninterrupted.keys(), job.context
    for name, value in sentiment_uninterrupted.items():
        np.testing.assert_array_equal(weights[name], value, err_msg=f"{name}: {job.context}")
