import json
import subprocess
import sys

import numpy as np
import pytest

from seqnlp import serialization
from seqnlp.serialization import save_model


def info(runner, *args: str):
    from seqnlp.cli import main  # seqnlp.cli maps to cli/, which isort tools misfile

    return runner.invoke(main, ["info", *args])


def rnn_tensors(prefix: str, gates: int, input_size: int, hidden: int, layers: int = 1, bi=False):
    out = {}
    for layer in range(layers):
        for suffix in ["", "_reverse"] if bi else [""]:
            inp = input_size if layer == 0 else hidden * (2 if bi else 1)
            out[f"{prefix}.weight_ih_l{layer}{suffix}"] = np.zeros((gates * hidden, inp), "f4")
            out[f"{prefix}.weight_hh_l{layer}{suffix}"] = np.zeros((gates * hidden, hidden), "f4")
            out[f"{prefix}.bias_ih_l{layer}{suffix}"] = np.zeros(gates * hidden, "f4")
            out[f"{prefix}.bias_hh_l{layer}{suffix}"] = np.zeros(gates * hidden, "f4")
    return out


@pytest.fixture
def tagger(tmp_path):
    tensors = {
        "embedding.weight": np.zeros((1000, 128), np.float32),
        **rnn_tensors("encoder.lstm", gates=4, input_size=128, hidden=128, bi=True),
        "output.weight": np.zeros((17, 256), np.float32),
        "output.bias": np.zeros(17, np.float32),
    }
    return save_model(
        tmp_path / "tagger",
        kind="tagger",
        config={"embedding_dim": 128, "hidden_size": 128, "cell": "lstm", "bidirectional": True},
        tensors=tensors,
        vocab={"words": ["w"] * 1000, "labels": ["NOUN"] * 17},
        meta={
            "data": [{"name": "ud-english-ewt/train", "sha256": "ab" * 32}],
            "metrics": {"dev_accuracy": 0.9312},
        },
    )


def test_info_shows_pytorch_lstm_count_and_why(runner, tagger):
    result = info(runner, str(tagger))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "tagger model" in out
    assert "132,096" in out  # PyTorch: 4·((128+128)·128 + 2·128) per direction
    assert "131,584" in out  # textbook: 4·((128+128)·128 + 128)
    assert "b_ih and b_hh" in out and "cuDNN" in out
    assert "264,192" in out  # encoder group: two directions
    total = 1000 * 128 + 2 * 132_096 + 17 * 256 + 17
    assert f"{total:,}" in out
    for text in ("words", "1,000", "labels", "dev_accuracy", "0.9312", "ud-english-ewt/train"):
        assert text in out
    assert "weights.safetensors" in out and "MiB" in out


def test_info_json(runner, tagger):
    result = info(runner, str(tagger), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["kind"] == "tagger"
    assert data["vocab_sizes"] == {"words": 1000, "labels": 17}
    assert {g["name"]: g["parameters"] for g in data["groups"]} == {
        "embedding": 128_000,
        "encoder": 264_192,
        "output": 4_369,
    }
    (lstm,) = data["recurrent"]
    assert lstm["cell"] == "lstm" and lstm["bidirectional"]
    assert lstm["layers"][0]["parameters"] == 132_096
    assert lstm["layers"][0]["textbook_parameters"] == 131_584
    assert data["files"]["weights.safetensors"] == (tagger / "weights.safetensors").stat().st_size


@pytest.mark.parametrize(
    ("gates", "cell", "pytorch", "textbook"),
    [(3, "gru", 3 * (256 * 128 + 256), 3 * (256 * 128 + 128)), (1, "rnn", 33_024, 32_896)],
)
def test_gru_and_rnn_counts(tmp_path, gates, cell, pytorch, textbook):
    path = save_model(
        tmp_path / "m",
        kind="sentiment",
        config={},
        tensors=rnn_tensors("rnn", gates=gates, input_size=128, hidden=128, layers=2),
    )
    (found,) = serialization.describe_model(path)["recurrent"]
    assert found["cell"] == cell and len(found["layers"]) == 2
    assert found["layers"][0]["parameters"] == pytorch
    assert found["layers"][0]["textbook_parameters"] == textbook


def test_depth_groups_by_longer_prefix(runner, tagger):
    result = info(runner, str(tagger), "--json", "--depth", "2")
    names = [g["name"] for g in json.loads(result.output)["groups"]]
    assert names == ["embedding", "encoder.lstm", "output"]


def test_not_a_model_is_one_line_error(runner, tmp_path):
    result = info(runner, str(tmp_path))
    assert result.exit_code == 1
    assert "not a seqnlp model directory (no config.json)" in result.output
    assert "Traceback" not in result.output


def test_missing_default_model_says_so(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(serialization.models, "DEFAULT_MODELS_DIR", tmp_path / "models")
    monkeypatch.chdir(tmp_path)
    result = info(runner, "sentiment")
    assert result.exit_code == 1
    assert "shipped sentiment model is not installed" in result.output


def test_default_model_name_resolves_to_the_package(runner, tagger, monkeypatch, tmp_path_factory):
    monkeypatch.setattr(serialization.models, "DEFAULT_MODELS_DIR", tagger.parent)
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))  # no ./tagger to shadow the default
    result = info(runner, "tagger")
    assert result.exit_code == 0, result.output
    assert "132,096" in result.output


def test_unknown_name(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = info(runner, "no-such-model")
    assert result.exit_code == 1
    assert "no such model directory" in result.output


def test_info_imports_no_torch(tagger):
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from seqnlp.cli import main\n"
        f"r = CliRunner().invoke(main, ['info', {str(tagger)!r}])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('torch', 'gensim') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_a_model_info_lists_the_registry(runner):
    from seqnlp.tasks import TASKS

    result = info(runner)
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()[: len(TASKS)]] == list(TASKS)
    listed = json.loads(info(runner, "--json").output)
    assert [row["kind"] for row in listed] == list(TASKS)
