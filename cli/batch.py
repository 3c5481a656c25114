"""``seqnlp batch``: tokens, tags, sentiment or vectors for files of any size, Parquet out."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import click

from seqnlp.batch.core import MAX_CHARS
from seqnlp.cli.common import model_option, quiet
from seqnlp.errors import SeqnlpError

ENGINES = ("spark", "local")
SPARK_ONLY = ("master", "partitions", "ship_model")
HELP = {
    "tokenize": "Split each text into sentences of tokens (column sentences).",
    "tag": "Tag each text's tokens with UPOS and XPOS (columns tokens, upos, xpos).",
    "sentiment": "Classify each text (label, probability, probabilities, known, reason).",
    "vectors": "Average each text's word vectors (columns vector, words).",
}
MODEL_KINDS = {"tag": "tagger", "sentiment": "sentiment classifier", "vectors": "word vectors"}


@click.group()
def batch():
    """Predict over files of any size, on Apache Spark or in this process, Parquet out.

    Each output row holds the input row's id, the results and an `error` column: null,
    or why the row has no result (null, empty or overlong text). The output appears
    only when the job has succeeded; --overwrite replaces an existing one.

    \b
    Examples:
      seqnlp batch tag --input reviews.parquet --output tags.parquet
      seqnlp batch sentiment -i 'tweets/*.jsonl' -o s.parquet --master 'local[4]'
      seqnlp batch tokenize -i corpus.txt -o tokens.parquet --engine local
    """


def _options(func):
    options = [
        click.option(
            "--input",
            "-i",
            "input_path",
            required=True,
            metavar="PATH|GLOB",
            help="Parquet, JSONL, CSV (with a header) or text files (one text per line).",
        ),
        click.option("--output", "-o", required=True, metavar="DIR", help="Parquet directory."),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["auto", "parquet", "jsonl", "csv", "text"]),
            default="auto",
            show_default=True,
            help="Input format; auto: by suffix.",
        ),
        click.option("--text-column", default="text", show_default=True),
        click.option(
            "--id-column",
            default="id",
            show_default=True,
            help="Kept in the output to join on; plain text gets line ids.",
        ),
        click.option(
            "--engine",
            type=click.Choice(ENGINES),
            default="spark",
            show_default=True,
            help="local: this process, no Spark (one core).",
        ),
        click.option("--master", help="Spark master, e.g. 'local[*]' (default: spark-submit's)."),
        click.option(
            "--partitions", type=click.IntRange(min=1), help="Repartition the input first."
        ),
        click.option(
            "--ship-model",
            is_flag=True,
            help="Send the model directory to the workers (SparkContext.addFile) instead of "
            "having every worker read --model's path.",
        ),
        click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True),
        click.option(
            "--max-chars",
            type=click.IntRange(min=1),
            default=MAX_CHARS,
            show_default=True,
            help="Longer texts get an error row instead of a result.",
        ),
        click.option("--overwrite", is_flag=True, help="Replace an existing output."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _require(modules: tuple[str, ...], extra: str, hint: str = "") -> None:
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        needs = " and ".join(missing)
        raise SeqnlpError(f'seqnlp batch needs {needs}: pip install "seqnlp[{extra}]"{hint}')


def _progress(started: float):
    silent = quiet()  # read here: the callback may run on another thread, without click's context

    def on_partition(partition: int, stats, total: int | None) -> None:
        if not silent:
            of = f"/{total}" if total else ""
            click.echo(
                f"partition {partition} done ({len(stats.rows)}{of}): "
                f"{stats.rows[partition]:,} rows; {stats.total_rows:,} rows, "
                f"{stats.total_errors:,} errors in all ({time.perf_counter() - started:.1f} s)",
                err=True,
            )

    return on_partition


def run_batch(task: str, model: str | None, lines: bool = False, **o) -> None:
    """One ``seqnlp batch`` command: the engine's job, then a summary line."""
    started = time.perf_counter()
    output_format = "lines" if lines else "parquet"
    given = [f"--{n.replace('_', '-')}" for n in SPARK_ONLY if o[n]]
    if given and o["engine"] == "local":
        raise click.UsageError(f"{', '.join(given)}: Spark options, not for --engine local")
    if Path(o["output"]).exists() and not o["overwrite"]:  # before Spark's start-up
        raise SeqnlpError(f"{o['output']} already exists; use --overwrite to replace it")
    options = dict(text_col=o["text_column"], id_col=o["id_column"], model=model)
    options.update(batch_size=o["batch_size"], max_chars=o["max_chars"])
    if o["engine"] == "local":
        _require(("pandas", "pyarrow"), "batch")
        from seqnlp.batch import run_local

        stats = run_local(
            task,
            o["input_path"],
            o["output"],
            fmt=o["fmt"],
            output_format=output_format,
            overwrite=o["overwrite"],
            on_partition=_progress(started),
            **options,
        )
    else:
        _require(("pyspark", "pandas", "pyarrow"), "spark", " (or in this process: --engine local)")
        from seqnlp import spark

        session = spark.session(o["master"])
        # Spark's own log would repeat each failure as pages of Java stack; -v shows it
        obj = click.get_current_context().find_root().obj or {}
        session.sparkContext.setLogLevel(
            "WARN" if obj.get("verbose") or obj.get("debug") else "OFF"
        )
        df = spark.read_input(
            session, o["input_path"], o["fmt"], text_col=o["text_column"], id_col=o["id_column"]
        )
        if o["partitions"]:
            df = df.repartition(o["partitions"])
        accumulator = spark.stats_accumulator(session)
        result = spark.predict_dataframe(
            df, task, ship_model=o["ship_model"], stats=accumulator, **options
        )
        spark.write_output(
            result,
            o["output"],
            fmt=output_format,
            overwrite=o["overwrite"],
            stats=accumulator,
            on_partition=_progress(started),
        )
        stats = accumulator.value
    s = stats.summary()
    if not quiet():
        click.echo(
            f"Wrote {s['rows']:,} rows ({s['errors']:,} errors) to {o['output']} in "
            f"{time.perf_counter() - started:.1f} s; {s['model_loads']} model loads in "
            f"{s['workers']} worker processes (at most {s['max_worker_memory_mb']} MB each)",
            err=True,
        )


def _command(task: str) -> click.Command:
    def command(**options) -> None:
        run_batch(task, options.pop("model", None), **options)

    command.__doc__ = HELP[task]
    command = _options(command)
    if task == "tokenize":
        command = click.option(
            "--lines",
            is_flag=True,
            help="Write text (part files: a sentence a line, tokens joined by spaces, rows "
            "with an error left out) for gensim's LineSentence or corpus_file.",
        )(command)
    if task in MODEL_KINDS:
        command = model_option(f"The {MODEL_KINDS[task]} directory (default: the shipped one).")(
            command
        )
    return batch.command(task)(command)


for _task in HELP:
    _command(_task)
