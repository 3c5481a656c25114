"""The batch core without Spark: equal to the models' own answers, bad rows as error rows,
one load per process, no torch."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

from seqnlp import load  # noqa: E402
from seqnlp.batch import (  # noqa: E402
    TASKS,
    JobStats,
    counted,
    get_batch_task,
    load_count,
    load_model,
    predict_frames,
)
from seqnlp.errors import DataError, ModelFileError, SeqnlpError  # noqa: E402
from seqnlp.serialization import default_model  # noqa: E402
from seqnlp.tokenize import tokenize  # noqa: E402
from tests.batch.data import BAD_ROWS, TEXTS  # noqa: E402


def frame(texts, start=0) -> pd.DataFrame:
    return pd.DataFrame({"id": range(start, start + len(texts)), "text": texts})


def run(task, texts, **options) -> pd.DataFrame:
    """Two frames in, as an engine gives them; the results concatenated."""
    half = len(texts) // 2
    frames = [frame(texts[:half]), frame(texts[half:], half)]
    return pd.concat(predict_frames(task, frames, **options), ignore_index=True)


@pytest.mark.parametrize("batch_size", [1, 256])
def test_tag_equals_the_tagger(batch_size):
    out = run("tag", TEXTS, batch_size=batch_size)
    expected = load("tagger").predict(TEXTS)
    assert out["id"].tolist() == list(range(len(TEXTS)))
    for row, tagged in zip(out.itertuples(), expected, strict=True):
        assert list(zip(row.tokens, row.upos, row.xpos, strict=True)) == tagged
        assert row.error is None


@pytest.mark.parametrize("batch_size", [1, 256])
def test_sentiment_equals_the_classifier(batch_size):
    out = run("sentiment", TEXTS, batch_size=batch_size)
    for row, p in zip(out.itertuples(), load("sentiment").predict(TEXTS), strict=True):
        assert (row.label, row.known, row.reason) == (p.label, p.known, p.reason)
        assert row.probability == pytest.approx(p.probability, abs=1e-6)
        assert row.probabilities == pytest.approx(p.probabilities, abs=1e-6)
    assert "unknown" in out["label"].tolist()  # "!!!" and "a": no evidence


def test_tokenize_and_vectors_equal_the_library():
    out = run("tokenize", TEXTS)
    assert out["sentences"].tolist() == [tokenize(t) for t in TEXTS]
    vectors = run("vectors", TEXTS)
    wv = load_model("vectors")
    words = [t for s in tokenize(TEXTS[0]) for t in s if t in wv]
    assert vectors["words"][0] == len(words)
    np.testing.assert_allclose(
        vectors["vector"][0], np.mean([wv.vector(w) for w in words], 0), atol=1e-6
    )
    assert vectors["error"][6] == "no word with a vector" and vectors["vector"][6] is None


@pytest.mark.parametrize("task", sorted(TASKS))
def test_bad_rows_get_null_results_and_an_error(task):
    texts = ["a gripping, funny film", *BAD_ROWS, 42]
    out = run(task, texts)
    columns = [name for name, _ in get_batch_task(task).columns]
    assert out["error"].tolist() == [None, *BAD_ROWS.values(), "not a text but int"]
    assert out.loc[1:, columns].isna().all().all()
    assert out.loc[0, columns].notna().any()


def test_every_kind_of_missing_value_is_a_null_text():
    texts = pd.Series(["great", None, pd.NA], dtype="string")  # pandas' own missing value
    frame = pd.DataFrame({"id": [1, 2, 3], "text": texts})
    out = next(predict_frames("tokenize", [frame]))
    assert out["error"].tolist() == [None, "null text", "null text"]
    floats = pd.DataFrame({"id": [1], "text": [float("nan")]})  # CSV's empty field
    assert next(predict_frames("tokenize", [floats]))["error"].tolist() == ["null text"]


def test_missing_columns_and_clashing_ids_are_clear_errors():
    with pytest.raises(DataError, match=r"no text column 'body' \(its columns: id, text\)"):
        list(predict_frames("tag", [frame(TEXTS)], text_col="body"))
    with pytest.raises(DataError, match="no id column 'key'"):
        list(predict_frames("tag", [frame(TEXTS)], id_col="key"))
    with pytest.raises(DataError, match="the id column 'label' has the name of a sentiment"):
        list(
            predict_frames(
                "sentiment", [frame(TEXTS).rename(columns={"id": "label"})], id_col="label"
            )
        )
    with pytest.raises(SeqnlpError, match="unknown batch task 'parse'"):
        list(predict_frames("parse", [frame(TEXTS)]))


def test_a_model_is_loaded_once_per_process_and_again_when_its_files_change(tmp_path):
    model = tmp_path / "tagger"
    shutil.copytree(default_model("tagger"), model)
    before = load_count()
    for _ in predict_frames("tag", [frame(TEXTS)] * 3, model=model):
        pass
    assert load_count() == before + 1
    meta = model / "meta.json"
    meta.write_text(meta.read_text().replace("{", '{"note": "retrained",', 1))
    list(predict_frames("tag", [frame(TEXTS)], model=model))
    assert load_count() == before + 2


def test_a_frame_without_a_text_loads_no_model_and_a_missing_model_is_named(tmp_path):
    before = load_count()
    out = next(predict_frames("tag", [frame([None, ""])], model=tmp_path / "nowhere"))
    assert load_count() == before and out["error"].tolist() == ["null text", "empty text"]
    with pytest.raises(ModelFileError, match="nowhere: no such model directory"):
        list(predict_frames("tag", [frame(TEXTS)], model=tmp_path / "nowhere"))
    with pytest.raises(ModelFileError):  # a sentiment model is not a tagger
        list(predict_frames("tag", [frame(TEXTS)], model=default_model("sentiment")))


def test_counted_reports_rows_errors_and_loads_once_per_partition():
    reports = []
    results = predict_frames("sentiment", [frame(["great", None])])
    list(counted(results, 3, reports.append))
    (stats,) = reports
    assert stats.rows == {3: 2} and stats.errors == {3: 1}
    assert stats.cpu[3] > 0 and stats.summary()["worker_cpu_seconds"] == round(stats.cpu[3], 2)
    merged = JobStats().merge(stats).merge(stats)  # a retried partition counts once
    assert merged.total_rows == 2 and merged.summary()["workers"] == 1


def test_the_core_never_imports_torch():
    code = (
        "import sys, pandas as pd\n"
        "from seqnlp.batch import predict_frames, TASKS\n"
        "df = pd.DataFrame({'id': [1], 'text': ['a gripping, funny film']})\n"
        "for task in TASKS:\n"
        "    out = next(predict_frames(task, [df]))\n"
        "    assert out['error'][0] is None, (task, out)\n"
        "assert 'torch' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
