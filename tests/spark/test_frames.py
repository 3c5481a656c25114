"""seqnlp.spark on a real local session: Spark's rows equal the in-process models' answers,
one model load per Python worker, models as files, failures that leave no output."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

pytest.importorskip("pyspark", reason='PySpark is not installed: pip install -e ".[spark]"')

from pyspark import TaskContext  # noqa: E402

from seqnlp import load  # noqa: E402
from seqnlp.batch import predict_frames  # noqa: E402
from seqnlp.errors import DataError, ModelFileError, SeqnlpError  # noqa: E402
from seqnlp.serialization import default_model  # noqa: E402
from seqnlp.spark import (  # noqa: E402
    predict_dataframe,
    read_input,
    sentiment_dataframe,
    spark_errors,
    stats_accumulator,
    tag_dataframe,
    tokenize_dataframe,
    write_output,
)
from seqnlp.tokenize import tokenize  # noqa: E402
from tests.batch.data import BAD_ROWS, TEXTS  # noqa: E402

ROWS = [*TEXTS, *BAD_ROWS]


@pytest.fixture(scope="module")
def texts(spark):
    return spark.createDataFrame(list(enumerate(ROWS)), "id long, text string")


def by_id(df) -> dict:
    return {row["id"]: row for row in df.collect()}


@pytest.mark.parametrize("batch_size", [1, 256])
@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_spark_equals_the_models_in_process(texts, partitions, batch_size):
    df = texts.repartition(partitions)
    assert df.rdd.getNumPartitions() == partitions
    tags = by_id(tag_dataframe(df, batch_size=batch_size))
    sentiment = by_id(sentiment_dataframe(df, batch_size=batch_size))
    tagger, classifier = load("tagger"), load("sentiment")
    for i, (tagged, p) in enumerate(
        zip(tagger.predict(TEXTS), classifier.predict(TEXTS), strict=True)
    ):
        assert list(zip(tags[i].tokens, tags[i].upos, tags[i].xpos, strict=True)) == tagged
        assert (sentiment[i].label, sentiment[i].known, sentiment[i].reason) == (
            p.label, p.known, p.reason,
        )  # fmt: skip
        assert sentiment[i].probability == pytest.approx(p.probability, abs=1e-6)
        assert sentiment[i].probabilities == pytest.approx(p.probabilities, abs=1e-6)
    for i, error in enumerate(BAD_ROWS.values(), len(TEXTS)):
        assert (tags[i].error, tags[i].tokens, sentiment[i].error, sentiment[i].label) == (
            error, None, error, None,
        )  # fmt: skip


@pytest.mark.parametrize("task", ["tokenize", "vectors"])
def test_tokenize_and_vectors_equal_the_core(spark, texts, task):
    rows = by_id(predict_dataframe(texts.repartition(3), task))
    (expected,) = predict_frames(task, [texts.toPandas()])
    for record in expected.to_dict("records"):
        row = rows[record["id"]].asDict()
        if task == "vectors":  # floats within 1e-6 (pytest.approx takes no nested lists)
            vector, expected_vector = row.pop("vector"), record.pop("vector")
            assert (vector is None) == (expected_vector is None)
            if vector is not None:
                np.testing.assert_allclose(vector, expected_vector, rtol=0, atol=1e-6)
        assert row == record


def test_at_most_one_model_load_per_python_worker(spark, texts, tmp_path):
    model = shutil.copytree(default_model("tagger"), tmp_path / "tagger")  # new to every worker
    stats = stats_accumulator(spark)
    assert tag_dataframe(texts.repartition(7), model=str(model), stats=stats).count() == len(ROWS)
    summary = stats.value.summary()
    assert summary["partitions"] == 7 and summary["rows"] == len(ROWS)
    assert summary["max_loads_per_worker"] == 1 and summary["model_loads"] <= summary["workers"]
    assert 0 < summary["max_worker_memory_mb"] < 2000


def test_a_shipped_model_reaches_the_workers_as_files(spark, texts, tmp_path):
    model = shutil.copytree(default_model("sentiment"), tmp_path / "shipped-sentiment")
    shipped = by_id(sentiment_dataframe(texts, model=str(model), ship_model=True))
    shutil.rmtree(model)  # the workers read their own copies
    assert [shipped[i].label for i in range(len(TEXTS))] == [
        p.label for p in load("sentiment").predict(TEXTS)
    ]


def test_a_model_a_worker_cannot_read_fails_the_job_clearly(spark, texts, tmp_path):
    model = shutil.copytree(default_model("tagger"), tmp_path / "vanishing")
    df = tag_dataframe(texts, model=str(model))  # checked on the driver
    shutil.rmtree(model)
    with pytest.raises(ModelFileError, match="vanishing: no such model directory"):
        with spark_errors():
            df.collect()
    with pytest.raises(ModelFileError, match="no such model directory"):
        tag_dataframe(texts, model=str(tmp_path / "nowhere"))


def test_missing_columns_are_named_before_any_job(texts):
    with pytest.raises(DataError, match="no text column 'body'"):
        tag_dataframe(texts, text_col="body")
    with pytest.raises(DataError, match="no id column 'key'"):
        sentiment_dataframe(texts, id_col="key")


def fail_first_attempt(frames):
    """Partition 0's first attempt dies midway, as a lost executor would."""
    context = TaskContext.get()
    for frame in frames:
        if context.partitionId() == 0 and context.attemptNumber() == 0:
            raise RuntimeError("injected failure")
        yield frame


def always_fail(frames):
    yield from frames
    raise RuntimeError("injected failure")


def test_a_retried_task_gives_the_same_rows(texts):
    df = texts.repartition(3)
    flaky = df.mapInPandas(fail_first_attempt, df.schema)
    assert by_id(tag_dataframe(flaky)) == by_id(tag_dataframe(df))


def test_output_is_written_whole_or_not_at_all(spark, texts, tmp_path):
    out = tmp_path / "tags.parquet"
    stats = stats_accumulator(spark)
    seen = []
    df = tag_dataframe(texts.repartition(3), stats=stats)
    write_output(df, str(out), stats=stats, on_partition=lambda p, s, n: seen.append((p, n)))
    assert sorted(seen) == [(0, 3), (1, 3), (2, 3)] and (out / "_SUCCESS").exists()
    assert spark.read.parquet(str(out)).count() == len(ROWS)
    with pytest.raises(SeqnlpError, match="already exists; use --overwrite"):
        write_output(df, str(out))
    broken = tag_dataframe(texts.mapInPandas(always_fail, texts.schema))
    with pytest.raises(SeqnlpError, match="injected failure"):
        write_output(broken, str(out), overwrite=True)
    assert spark.read.parquet(str(out)).count() == len(ROWS)  # the old output, untouched
    assert [p.name for p in tmp_path.iterdir()] == ["tags.parquet"]  # no partial files


def test_read_input_formats_and_bad_files(spark, tmp_path):
    (tmp_path / "in.txt").write_text("I saw a saw.\n\nIt was big.\n")
    df = read_input(spark, str(tmp_path / "in.txt"))
    assert sorted(df.columns) == ["id", "text"] and df.count() == 3
    (tmp_path / "in.jsonl").write_bytes(b'{"id": 1, "text": "fine"}\n{"id": 2, "text": "\xff"}\n')
    with pytest.raises(SeqnlpError, match="Invalid UTF-8"):
        read_input(spark, str(tmp_path / "in.jsonl"))
    (tmp_path / "in.csv").write_text('key,body\n1,"a gripping, funny film"\n')
    assert read_input(spark, str(tmp_path / "in.csv"), text_col="body", id_col="key").count() == 1
    with pytest.raises(DataError, match=r"no text column 'text' \(its columns: key, body\)"):
        read_input(spark, str(tmp_path / "in.csv"))


def test_tokenize_writes_line_sentence_text(texts, tmp_path):
    write_output(tokenize_dataframe(texts.repartition(3)), str(tmp_path / "lines"), fmt="lines")
    lines = [
        line
        for part in sorted((tmp_path / "lines").glob("part-*"))
        for line in part.read_text(encoding="utf-8").splitlines()
    ]
    expected = [" ".join(s) for text in TEXTS for s in tokenize(text)]
    assert sorted(lines) == sorted(expected)
