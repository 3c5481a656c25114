import ast
import json
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

from seqnlp import serialization
from seqnlp.errors import ModelFileError
from seqnlp.serialization import (
    check_shapes,
    load_model,
    load_tensors,
    save_model,
    save_tensors_atomic,
    write_json_atomic,
)
from seqnlp.serialization.models import FORMAT_VERSION
from seqnlp.serialization.tensors import read_tensor_info


def tensors(scale: float = 1.0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "embedding.weight": (scale * rng.standard_normal((7, 4))).astype(np.float32),
        "out.weight": (scale * rng.standard_normal((3, 4))).astype(np.float16),
        "out.bias": np.arange(3, dtype=np.float64),
        "position": np.arange(5, dtype=np.int64),
    }


def save(path, scale: float = 1.0, **kwargs):
    kwargs.setdefault("kind", "tagger")
    kwargs.setdefault("config", {"hidden_size": 4, "cell": "lstm"})
    kwargs.setdefault("vocab", {"words": ["<pad>", "<unk>", "a"], "labels": ["X", "Y", "Z"]})
    kwargs.setdefault("meta", {"metrics": {"accuracy": 0.5}})
    return save_model(path, tensors=tensors(scale), **kwargs)


def one_line_error(path, **kwargs) -> str:
    with pytest.raises(ModelFileError) as info:
        load_model(path, **kwargs)
    message = str(info.value)
    assert message and "\n" not in message
    return message


@pytest.fixture
def model(tmp_path):
    return save(tmp_path / "model")


# ---------------------------------------------------------------- round trip


def test_round_trip_keeps_values_and_dtypes(model):
    loaded = load_model(model, expected_kind="tagger")
    assert loaded.kind == "tagger"
    assert loaded.config == {"hidden_size": 4, "cell": "lstm"}
    assert loaded.vocab == {"words": ["<pad>", "<unk>", "a"], "labels": ["X", "Y", "Z"]}
    assert loaded.path == model
    expected = tensors()
    assert loaded.tensors.keys() == expected.keys()
    for name, array in expected.items():
        assert loaded.tensors[name].dtype == array.dtype, name
        np.testing.assert_array_equal(loaded.tensors[name], array)
    assert loaded.tensors["out.weight"].dtype == np.float16


def test_files_are_plain_json_with_kind_and_version(model):
    config = json.loads((model / "config.json").read_text())
    assert config["kind"] == "tagger" and config["format_version"] == FORMAT_VERSION
    meta = json.loads((model / "meta.json").read_text())
    assert meta["metrics"] == {"accuracy": 0.5}
    assert meta["parameters"] == sum(a.size for a in tensors().values())
    assert meta["versions"]["seqnlp"] and meta["created"]
    assert sorted(os.listdir(model)) == sorted(serialization.MODEL_FILES)


def test_vocab_is_optional(tmp_path):
    path = save(tmp_path / "emb", kind="embeddings", vocab=None)
    assert not (path / "vocab.json").exists()
    assert load_model(path).vocab is None


def test_non_contiguous_arrays_are_saved_as_seen(tmp_path):
    transposed = np.arange(6, dtype=np.float32).reshape(2, 3).T
    save_model(tmp_path / "m", kind="tagger", config={}, tensors={"w": transposed})
    np.testing.assert_array_equal(load_model(tmp_path / "m").tensors["w"], transposed)


def test_numpy_scalars_in_meta_become_plain_json(tmp_path):
    write_json_atomic(tmp_path / "m.json", {"acc": np.float32(0.9), "n": np.int64(3)})
    assert json.loads((tmp_path / "m.json").read_text()) == {"acc": 0.9, "n": 3}


def test_reserved_config_keys_are_refused(tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        save_model(tmp_path / "m", kind="tagger", config={"kind": "x"}, tensors={})
    assert not (tmp_path / "m").exists()


def test_written_files_follow_the_umask(model):
    umask = os.umask(0)
    os.umask(umask)
    for name in ("config.json", "weights.safetensors"):
        assert stat.S_IMODE((model / name).stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE(model.stat().st_mode) == 0o777 & ~umask


def test_loading_imports_no_torch(model):
    code = (
        "import sys\n"
        "from seqnlp.serialization import load_model\n"
        f"load_model({str(model)!r}, 'tagger')\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- atomic saving


def test_overwrite_replaces_the_model_and_leaves_nothing_behind(model):
    save(model, scale=2.0, overwrite=True)
    np.testing.assert_array_equal(
        load_model(model).tensors["embedding.weight"], tensors(2.0)["embedding.weight"]
    )
    assert os.listdir(model.parent) == ["model"]


def test_existing_model_is_kept_without_overwrite(model):
    with pytest.raises(ModelFileError, match="already exists"):
        save(model, scale=2.0)
    np.testing.assert_array_equal(load_model(model).tensors["out.bias"], tensors()["out.bias"])


def test_overwrite_refuses_a_directory_that_is_not_a_model(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep me")
    with pytest.raises(ModelFileError, match="not a seqnlp model directory"):
        save(tmp_path / "notes", overwrite=True)
    assert (tmp_path / "notes" / "todo.txt").read_text() == "keep me"


def test_interrupted_save_keeps_previous_model(model, monkeypatch):
    real = serialization.write_json_atomic

    def crash_on_meta(path, obj):
        if path.name == "meta.json":
            raise KeyboardInterrupt  # e.g. Ctrl-C after the weights were written
        real(path, obj)

    monkeypatch.setattr(serialization.saving, "write_json_atomic", crash_on_meta)
    with pytest.raises(KeyboardInterrupt):
        save(model, scale=2.0, overwrite=True)
    np.testing.assert_array_equal(
        load_model(model).tensors["embedding.weight"], tensors()["embedding.weight"]
    )
    assert os.listdir(model.parent) == ["model"]


def test_failed_swap_puts_previous_model_back(model, monkeypatch):
    real = os.replace

    def fail_moving_new_model_in(src, dst):
        if os.fspath(dst) == os.fspath(model) and ".tmp-" in os.fspath(src):
            raise OSError("disk gone")
        real(src, dst)

    monkeypatch.setattr(os, "replace", fail_moving_new_model_in)
    with pytest.raises(OSError, match="disk gone"):
        save(model, scale=2.0, overwrite=True)
    monkeypatch.undo()
    np.testing.assert_array_equal(
        load_model(model).tensors["embedding.weight"], tensors()["embedding.weight"]
    )
    assert os.listdir(model.parent) == ["model"]


def test_a_swap_cut_between_its_renames_loads_and_recovers(model):
    from seqnlp.serialization import recover_interrupted_save, resolve_model

    aside = model.with_name(f".{model.name}.old-dead")
    model.rename(aside)  # what kill -9 between _swap_in's two renames leaves
    (model.parent / f".{model.name}.tmp-dead").mkdir()
    assert resolve_model(model) == model
    assert load_model(model).path == model  # readers get the previous model meanwhile
    recover_interrupted_save(model)
    assert os.listdir(model.parent) == ["model"]
    assert load_model(model).meta["metrics"] == {"accuracy": 0.5}


def test_interrupted_file_write_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.safetensors"
    save_tensors_atomic(path, {"w": np.ones(3, dtype=np.float32)})

    def crash(*args, **kwargs):
        raise OSError("no space left on device")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    with pytest.raises(OSError, match="no space"):
        save_tensors_atomic(path, {"w": np.zeros(3, dtype=np.float32)})
    np.testing.assert_array_equal(load_tensors(path)["w"], np.ones(3))
    assert os.listdir(tmp_path) == ["checkpoint.safetensors"]


# ---------------------------------------------------------------- corruption: one line each


def test_missing_directory(tmp_path):
    assert "does not exist" in one_line_error(tmp_path / "nope")


def test_missing_config(model):
    (model / "config.json").unlink()
    assert "not a seqnlp model directory (no config.json)" in one_line_error(model)


def test_missing_weights(model):
    (model / "weights.safetensors").unlink()
    assert "missing weights.safetensors" in one_line_error(model)


def test_file_instead_of_directory(model):
    message = one_line_error(model / "weights.safetensors")
    assert "not a seqnlp model directory" in message and str(model) in message


def test_wrong_kind(model):
    message = one_line_error(model, expected_kind="sentiment")
    assert message == f"{model} is a tagger model, not a sentiment model"


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_unknown_format_version(model, version):
    config = json.loads((model / "config.json").read_text())
    if version is None:
        del config["format_version"]
    else:
        config["format_version"] = version
    (model / "config.json").write_text(json.dumps(config))
    message = one_line_error(model)
    assert "format" in message
    if version == 2:
        assert "upgrade seqnlp" in message


@pytest.mark.parametrize("name", ["config.json", "vocab.json", "meta.json"])
def test_invalid_json(model, name):
    (model / name).write_text('{"kind": "tagger",')
    message = one_line_error(model)
    assert name in message and "not valid JSON" in message


def test_config_that_is_not_an_object(model):
    (model / "config.json").write_text("[1, 2]")
    assert "JSON object" in one_line_error(model)


def test_truncated_weights(model):
    weights = model / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    assert "not a valid safetensors file" in one_line_error(model)


@pytest.mark.parametrize("offset", [0, 3, 8, 9, 20])
def test_bit_flipped_header(model, offset):
    weights = model / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[offset] ^= 0x40
    weights.write_bytes(bytes(data))
    assert "not a valid safetensors file" in one_line_error(model)


@pytest.mark.parametrize("content", [b"", b"garbage", os.urandom(64)])
def test_garbage_weights(model, content):
    (model / "weights.safetensors").write_bytes(content)
    assert "weights.safetensors" in one_line_error(model)


class _CreatesFileWhenUnpickled:
    """Unpickling this calls open(marker, "w"): proof that code from the file ran."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_pickle_renamed_to_weights_is_refused_without_running_it(model, tmp_path, protocol):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({"w": _CreatesFileWhenUnpickled(str(marker))}, protocol=protocol)
    (model / "weights.safetensors").write_bytes(payload)

    message = one_line_error(model)
    assert "pickle" in message and "never unpickles" in message
    with pytest.raises(ModelFileError):
        read_tensor_info(model / "weights.safetensors")
    assert not marker.exists()


def test_zip_checkpoint_renamed_to_weights_is_refused(model):
    import zipfile

    with zipfile.ZipFile(model / "weights.safetensors", "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
    assert "zip archive" in one_line_error(model)


@pytest.mark.parametrize("module", sorted(Path(serialization.__file__).parent.glob("*.py")))
def test_module_never_unpickles(module):
    tree = ast.parse(module.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [alias.name for alias in node.names] + [getattr(node, "module", None) or ""]
            assert not any(n.split(".")[0] in ("pickle", "torch", "dill") for n in names), names
        if isinstance(node, ast.keyword):
            assert node.arg != "allow_pickle"
        if isinstance(node, ast.Attribute) and node.attr == "load":
            assert not (isinstance(node.value, ast.Name) and node.value.id in ("np", "numpy"))


# ---------------------------------------------------------------- shapes


def test_check_shapes_accepts_matching_tensors(model):
    loaded = load_model(model)
    check_shapes(
        loaded.tensors,
        {"embedding.weight": (7, 4), "out.weight": (3, None), "out.bias": (3,), "position": (5,)},
    )


def test_check_shapes_names_tensor_expected_and_found(model):
    loaded = load_model(model)
    expected = {"embedding.weight": (7, 8), "out.weight": (3, 4), "out.bias": (3,), "extra": (1,)}
    with pytest.raises(ModelFileError) as info:
        check_shapes(loaded.tensors, expected, source=model)
    message = str(info.value)
    assert "\n" not in message and message.startswith(str(model))
    assert "'embedding.weight' has shape (7, 4), expected (7, 8)" in message
    assert "missing tensor 'extra'" in message
    assert "unexpected tensor 'position'" in message


def test_check_shapes_on_header_shapes(model):
    infos = read_tensor_info(model / "weights.safetensors")
    check_shapes({n: i.shape for n, i in infos.items()}, {n: i.shape for n, i in infos.items()})
    with pytest.raises(ModelFileError, match="rank|shape"):
        check_shapes({"w": (2, 3)}, {"w": (2, 3, 1)})


def test_int8_rows_round_trip_and_missing_scale_is_caught():
    from seqnlp.serialization import (
        check_shapes,
        dequantize_rows,
        expect_row_scales,
        quantize_rows,
    )

    matrix = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    matrix[2] = 0.0  # an all-zero row must survive (scale 1, not 0)
    stored = {**quantize_rows("emb", matrix, "int8"), "bias": np.ones(3, np.float32)}
    assert stored["emb"].dtype == np.int8 and stored["emb_scale"].shape == (6,)
    expected = expect_row_scales({"emb": (6, 4), "bias": (3,)}, stored)
    check_shapes(stored, expected)
    back = dequantize_rows(stored)
    assert set(back) == {"emb", "bias"}
    np.testing.assert_allclose(back["emb"], matrix, atol=np.abs(matrix).max() / 127)
    assert not back["emb"][2].any()
    del stored["emb_scale"]
    with pytest.raises(ModelFileError, match="missing tensor 'emb_scale'"):
        check_shapes(stored, expect_row_scales({"emb": (6, 4), "bias": (3,)}, stored))
    assert quantize_rows("emb", matrix, "float16")["emb"].dtype == np.float16


def test_config_from_dict_checks_types_and_keys():
    import dataclasses

    from seqnlp.serialization.models import check_repeats, config_from_dict

    @dataclasses.dataclass
    class Config:
        layers: int = 1
        dropout: float = 0.5
        bidirectional: bool = True
        cell: str = "gru"

    assert config_from_dict(Config, {"layers": 2, "dropout": 0}, "c.json") == Config(2, 0)
    for bad in ({"layers": 1.5}, {"layers": True}, {"dropout": "0.1"}, {"bidirectional": 1}):
        with pytest.raises(ModelFileError, match="c.json: invalid Config"):
            config_from_dict(Config, bad, "c.json")
    with pytest.raises(ModelFileError, match=r"unknown fields \['heads'\]"):
        config_from_dict(Config, {"heads": 2}, "c.json")
    assert config_from_dict(Config, {"heads": 2}, "c.json", strict=False) == Config()
    check_repeats({"a": 1, "b": 2}, "m", layers=2)
    with pytest.raises(ModelFileError, match="layers = 3, but the weights hold only 2"):
        check_repeats({"a": 1, "b": 2}, "m", layers=3)


def test_one_way_back_from_int8_rows_for_whole_tables_and_mapped_rows():
    """dequantize_rows (a loaded model) and QuantizedRows (a mapped table, row by row) share
    serialization.tensors.dequantize, so they agree bit for bit."""
    from seqnlp.embeddings.storage import QuantizedRows
    from seqnlp.serialization import dequantize_rows, quantize_rows

    matrix = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    stored = quantize_rows("v", matrix, "int8")
    whole = dequantize_rows(stored)["v"]
    rows = QuantizedRows(stored["v"], stored["v_scale"])
    assert whole.dtype == np.float32 and np.array_equal(rows[:], whole)
    assert np.array_equal(rows[2], whole[2]) and np.array_equal(rows[[4, 1]], whole[[4, 1]])
    np.testing.assert_allclose(whole, matrix, atol=np.abs(matrix).max() / 127)


def test_weights_that_are_not_finite_as_stored_are_never_written():
    """A diverged run's weights: finite in float32, infinite as float16."""
    huge = {"w": np.array([1.0, 1e10], dtype=np.float32)}
    assert serialization.compact(huge, "float32")["w"][1] == 1e10
    for dtype in ("float16", "int8"):
        with pytest.raises(ModelFileError, match="not saved: .*'w'.*float16.*diverged"):
            serialization.compact(huge, dtype)
    with pytest.raises(ModelFileError, match="not saved: .*'w'.*diverged"):
        serialization.compact({"w": np.array([np.nan], dtype=np.float32)}, "float32")
