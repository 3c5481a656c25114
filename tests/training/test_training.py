"""The shared training loop on a toy task: repeatability, checkpoints, resume, stopping,
and data-parallel training of two processes under torchrun."""

from __future__ import annotations

import dataclasses
import json
import os
import random
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from seqnlp import load, serialization
from seqnlp.batching import batch_schedule
from seqnlp.errors import ModelFileError, SeqnlpError
from seqnlp.layers.torch_layers import RNNEncoder
from seqnlp.training import TrainConfig
from seqnlp.training.checkpoints import CHECKPOINT_FILE, load_checkpoint
from seqnlp.training.distributed import Distributed, distributed
from seqnlp.training.loop import Batch, fit, seed_everything
from tests.tagger.data import write_data

pytestmark = pytest.mark.usefixtures("one_torch_thread")
from tests.conftest import ROOT  # noqa: E402


class ToyNet(nn.Module):
    """Says whether a sequence of digits holds more 1s than 0s."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(3, 4, padding_idx=0)
        self.encoder = RNNEncoder(4, 6, cell="gru", bidirectional=True)
        self.dropout = nn.Dropout(0.2)
        self.out = nn.Linear(self.encoder.output_size, 2)

    def forward(self, ids, lengths):
        _, final = self.encoder(self.dropout(self.embedding(ids)), lengths)
        return self.out(final)

    def loss(self, outputs, labels):
        return nn.functional.cross_entropy(outputs, labels)


def _data(n, seed):
    rng = random.Random(seed)
    examples = []
    for _ in range(n):
        ids = [rng.choice([1, 2]) for _ in range(rng.randint(1, 7))]
        examples.append((ids, int(ids.count(2) > ids.count(1))))
    return examples


def _collate(examples):
    lengths = torch.tensor([len(ids) for ids, _ in examples])
    ids = torch.zeros(len(examples), int(lengths.max()), dtype=torch.long)
    for i, (seq, _) in enumerate(examples):
        ids[i, : len(seq)] = torch.tensor(seq)
    labels = torch.tensor([label for _, label in examples])
    return Batch({"ids": ids, "lengths": lengths}, {"labels": labels}, len(examples))


def _evaluate(net, examples):
    batch = _collate(list(examples))
    predicted = net(**batch.inputs).argmax(-1)
    return {"accuracy": float((predicted == batch.targets["labels"]).float().mean())}


TRAIN, DEV = _data(60, 1), _data(20, 2)


def _run(config, **kwargs):
    seed_everything(config.seed)
    net = ToyNet()
    result = fit(
        net,
        TRAIN,
        DEV,
        collate=_collate,
        evaluate=_evaluate,
        metric="accuracy",
        config=config,
        length=lambda ex: len(ex[0]),
        progress=False,
        **kwargs,
    )
    return net, result


def _same(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


def test_same_seed_same_weights_and_history():
    config = TrainConfig(epochs=2, batch_size=8, patience=0, seed=5)
    net1, result1 = _run(config)
    net2, result2 = _run(config)
    assert _same(net1, net2)
    assert [r["loss"] for r in result1.history] == [r["loss"] for r in result2.history]
    net3, _ = _run(TrainConfig(epochs=2, batch_size=8, patience=0, seed=6))
    assert not _same(net1, net3)


def test_best_epoch_is_kept_and_reported(tmp_path):
    saved = []
    config = TrainConfig(epochs=4, batch_size=8, patience=0, lr=0.02)
    net, result = _run(config, on_best=lambda n, m, e: saved.append((e, m["accuracy"])))
    assert result.epochs == 4 and len(result.history) == 4
    best = max(r["accuracy"] for r in result.history)
    assert result.best_metric == best
    assert saved[-1] == (result.best_epoch, best)
    net.eval()
    with torch.no_grad():
        assert _evaluate(net, DEV)["accuracy"] == best  # the network holds the best weights


def test_interrupt_then_resume_equals_an_uninterrupted_run(tmp_path):
    config = TrainConfig(epochs=3, batch_size=8, patience=0, seed=2)
    straight, straight_result = _run(config)

    def stop_after_first_epoch(record):
        if record["epoch"] == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(config, checkpoint_dir=tmp_path, on_epoch=stop_after_first_epoch)
    tensors, header = load_checkpoint(tmp_path / CHECKPOINT_FILE)
    assert header["epoch"] == 1 and "rng.torch" in tensors
    assert any(name.startswith("optim.") for name in tensors)
    resumed, result = _run(config, checkpoint_dir=tmp_path, resume=True)
    assert result.epochs == 3 and len(result.history) == 3
    assert [r["loss"] for r in result.history] == [r["loss"] for r in straight_result.history]
    assert _same(resumed, straight)
    # a finished run resumes to nothing more to do
    again, result = _run(config, checkpoint_dir=tmp_path, resume=True)
    assert result.epochs == 3


def test_interrupt_before_the_first_checkpoint_claims_none(tmp_path, caplog):
    def stop(*args):  # Ctrl-C while the first model is being saved
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _run(TrainConfig(epochs=2, batch_size=8), checkpoint_dir=tmp_path, on_best=stop)
    assert not (tmp_path / CHECKPOINT_FILE).exists()
    assert "no checkpoint yet" in caplog.text and "resume with" not in caplog.text


class DivergingNet(ToyNet):
    """A ToyNet whose loss turns NaN after ``good_steps`` steps (a run gone unstable)."""

    good_steps = 8

    def loss(self, outputs, labels):
        self.good_steps -= 1
        return super().loss(outputs, labels) * (float("nan") if self.good_steps < 0 else 1.0)


def test_a_diverged_epoch_stops_the_run_and_saves_nothing_of_it(tmp_path):
    seed_everything(1)
    net, saved = DivergingNet(), []
    with pytest.raises(SeqnlpError, match="diverged in epoch 2 .*epoch 1.* kept.*learning rate"):
        fit(
            net,
            TRAIN,
            DEV,
            collate=_collate,
            evaluate=_evaluate,
            metric="accuracy",
            config=TrainConfig(epochs=3, batch_size=8, patience=0),  # 8 batches an epoch
            checkpoint_dir=tmp_path,
            on_best=lambda n, m, e: saved.append(e),
            progress=False,
        )
    assert saved == [1]
    assert load_checkpoint(tmp_path / CHECKPOINT_FILE)[1]["epoch"] == 1


def test_min_steps_makes_an_epoch_of_a_small_data_set_several_passes():
    # 60 examples are 8 batches of 8: 2 epochs take 16 steps, 7 passes each make 112
    _, result = _run(TrainConfig(epochs=2, batch_size=8, patience=0, min_steps=100))
    assert [r["passes"] for r in result.history] == [7, 7]
    _, result = _run(TrainConfig(epochs=2, batch_size=8, patience=0, min_steps=10))
    assert [r["passes"] for r in result.history] == [1, 1]


def test_min_steps_left_to_the_task_is_none_on_a_recipes_data():
    from seqnlp.training.config import SMALL_DATA_MIN_STEPS

    assert TrainConfig().for_data(recipe_data=True).min_steps == 0
    assert TrainConfig().for_data(recipe_data=False).min_steps == SMALL_DATA_MIN_STEPS
    assert TrainConfig(min_steps=7).for_data(recipe_data=False).min_steps == 7
    # records keep no minimum as records made before the field existed did
    from seqnlp.training.config import run_record

    assert "min_steps" not in run_record(c=TrainConfig().for_data(recipe_data=True))["c"]
    assert run_record(c=TrainConfig(min_steps=200))["c"]["min_steps"] == 200


def test_checkpoint_holds_no_pickle(tmp_path):
    _run(TrainConfig(epochs=1, batch_size=16), checkpoint_dir=tmp_path)
    data = (tmp_path / CHECKPOINT_FILE).read_bytes()
    assert not data.startswith((b"\x80", b"PK"))
    assert [p.name for p in tmp_path.iterdir()] == [CHECKPOINT_FILE]  # no temp files left


def test_early_stopping():
    config = TrainConfig(epochs=30, batch_size=8, patience=1, lr=1e-9)
    _, result = _run(config)
    assert result.stopped_early and result.epochs < 30


def test_resume_without_checkpoint_or_with_another_network(tmp_path):
    with pytest.raises(ModelFileError, match="no checkpoint"):
        _run(TrainConfig(epochs=1), checkpoint_dir=tmp_path, resume=True)
    _run(TrainConfig(epochs=1, batch_size=16), checkpoint_dir=tmp_path)
    seed_everything(0)
    other = nn.Sequential(nn.Linear(2, 2))
    other.loss = lambda *a: None
    with pytest.raises(ModelFileError, match="does not fit this network"):
        fit(
            other,
            TRAIN,
            DEV,
            collate=_collate,
            evaluate=_evaluate,
            metric="accuracy",
            config=TrainConfig(epochs=2),
            checkpoint_dir=tmp_path,
            resume=True,
            progress=False,
        )


def test_resume_from_a_damaged_checkpoint_is_a_clear_error(tmp_path):
    import safetensors.numpy

    config = TrainConfig(epochs=1, batch_size=8, patience=0)
    _run(config, checkpoint_dir=tmp_path)
    path = tmp_path / CHECKPOINT_FILE
    tensors, header = load_checkpoint(path)
    optim = next(k for k in tensors if k.startswith("optim."))
    damaged = [
        (tensors, {k: v for k, v in header.items() if k != "param_groups"}),
        ({k: v for k, v in tensors.items() if k != "rng.torch"}, header),
        ({**{k: v for k, v in tensors.items() if k != optim}, "optim.x.y": tensors[optim]}, header),
    ]
    for damaged_tensors, damaged_header in damaged:
        metadata = {"checkpoint": json.dumps(damaged_header)}
        safetensors.numpy.save_file(damaged_tensors, path, metadata=metadata)
        with pytest.raises(ModelFileError, match="checkpoint"):
            _run(dataclasses.replace(config, epochs=2), checkpoint_dir=tmp_path, resume=True)


def test_config_validation():
    with pytest.raises(SeqnlpError, match="device must be one of"):
        TrainConfig(device="tpu")
    with pytest.raises(SeqnlpError, match="epochs must be at least 1"):
        TrainConfig(epochs=0)


def test_batch_schedule_groups_similar_lengths_repeatably():
    lengths = [5, 1, 3, 2, 4, 1, 5, 2, 3]
    batches = batch_schedule(lengths, 3, shuffle=True, seed=1, epoch=1)
    assert sorted(i for b in batches for i in b) == list(range(9))
    assert all(max(lengths[i] for i in b) - min(lengths[i] for i in b) <= 2 for b in batches)
    assert batches == batch_schedule(lengths, 3, shuffle=True, seed=1, epoch=1)
    assert batches != batch_schedule(lengths, 3, shuffle=True, seed=1, epoch=2)


def test_sigterm_stops_training_like_ctrl_c(tmp_path):
    import os
    import signal

    def terminate(record):
        if record["epoch"] == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    with pytest.raises(KeyboardInterrupt):
        _run(TrainConfig(epochs=3, batch_size=16), checkpoint_dir=tmp_path, on_epoch=terminate)
    assert load_checkpoint(tmp_path / CHECKPOINT_FILE)[1]["epoch"] == 1
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


# ---------------------------------------------------------------- distributed (torchrun, gloo)


def _torchrun(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``torchrun --nproc-per-node 2`` on 127.0.0.1 (gloo on CPU)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [
        sys.executable, "-m", "torch.distributed.run",
        "--nnodes", "1", "--nproc-per-node", "2",
        "--rdzv-backend", "c10d", "--rdzv-endpoint", f"127.0.0.1:{port}",
        *args,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_torchrun_environment_names_this_process(monkeypatch):
    assert distributed() == Distributed() and distributed().is_main
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", "1")
    place = distributed()
    assert place.enabled and not place.is_main and place.local_rank == 1
    monkeypatch.setenv("RANK", "one")
    with pytest.raises(SeqnlpError, match="must be integers"):
        distributed()


def test_two_processes_keep_identical_weights(tmp_path):
    _torchrun(str(Path(__file__).with_name("distributed_worker.py")), str(tmp_path), cwd=tmp_path)
    ranks = [serialization.load_tensors(tmp_path / f"rank{r}.safetensors") for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    for name in ranks[0]:
        np.testing.assert_array_equal(ranks[0][name], ranks[1][name])
    torch.manual_seed(1)
    initial = torch.nn.Linear(4, 3).state_dict()  # the worker's network before training
    assert not np.allclose(ranks[0]["linear.weight"], initial["weight"].numpy())
    summaries = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    # rank 0 reports every epoch; both ranks agree on the (broadcast) dev metric
    assert [r["epoch"] for r in summaries[0]["records"]] == [1, 2]
    assert summaries[1]["records"] == []
    assert summaries[0]["best_metric"] == summaries[1]["best_metric"]
    # the ranks stepped on different batches: the same number each, every example dealt
    # once an epoch (2 epochs of 40 examples, 4 a batch), no example on both ranks
    batches = [summary["batches"] for summary in summaries]
    assert len(batches[0]) == len(batches[1]) == 10
    epochs = [[sorted(sum(b[e * 5 : e * 5 + 5], [])) for b in batches] for e in range(2)]
    for rank0, rank1 in epochs:
        assert not set(rank0) & set(rank1) and sorted(rank0 + rank1) == list(range(40))


def test_torchrun_trains_a_tagger_and_resumes(tmp_path):
    train, dev = write_data(tmp_path)
    output = tmp_path / "ddp-tagger"
    args = [
        "-m", "seqnlp", "train-tagger",
        "--train", str(train), "--dev", str(dev), "--embeddings", "none",
        "--hidden", "24", "--word-dim", "16", "--char-features", "8", "--layers", "2",
        "--batch-size", "4", "--lr", "0.02", "--lr-decay", "1", "--dropout", "0.1",
        "--patience", "0", "--device", "cpu",
        "--no-progress", "--output", str(output),
    ]  # fmt: skip
    first = _torchrun(*args, "--epochs", "6", "--keep-checkpoint", cwd=tmp_path)
    assert first.stdout.count("Saved the epoch") == 1  # only rank 0 reports
    _, header = load_checkpoint(tmp_path / "ddp-tagger.checkpoint" / CHECKPOINT_FILE)
    assert header["epoch"] == 6
    _torchrun(*args, "--epochs", "14", "--resume", cwd=tmp_path)
    tagger = load(output)
    assert tagger.meta["training"]["epochs"] == 14
    (tagged,) = tagger.predict_tokens([["I", "saw", "a", "saw", "."]])
    assert [u for _, u, _ in tagged] == ["PRON", "VERB", "DET", "NOUN", "PUNCT"]
    assert not (tmp_path / "ddp-tagger.checkpoint").exists()


def test_prediction_batches_are_bounded_in_padded_tokens():
    from seqnlp.batching import chunks

    lengths = [90] * 300 + [5] * 300
    batches = batch_schedule(lengths, 256, shuffle=False, max_tokens=4096)
    assert sorted(i for b in batches for i in b) == list(range(600))
    assert all(len(b) * max(lengths[i] for i in b) <= 4096 for b in batches)
    assert max(len(b) for b in batches) == 256  # short sentences still fill a batch
    pieces = list(chunks(lengths, 2048, length=lambda n: n, max_tokens=900))
    assert [len(p) for p in pieces[:2]] == [10, 10] and sum(map(len, pieces)) == 600
