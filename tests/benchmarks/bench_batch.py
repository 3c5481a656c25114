"""Batch prediction throughput: in process vs Spark local[1] vs local[2], on one input.

    python tests/benchmarks/bench_batch.py [--sentences 200000] [--task tag] [--partitions 8]

The input is --sentences raw sentences (UD English EWT train's ``# text`` lines, repeated
as needed; SEQNLP_DATA_DIR pointing at a mirror such as ../shared/data), written once as
Parquet (id, text) and as a text file. The same rows then go through:

- ``seqnlp tag --input`` in this process (``tag_lines`` and text output, as that command;
  only for --task tag);
- the batch core in this process (``seqnlp batch --engine local``);
- ``seqnlp batch`` on Spark ``local[1]`` and ``local[2]``, each in a fresh process (a
  JVM's master is fixed), input repartitioned to --partitions, Parquet out.

Reported for each: seconds, documents/s, tokens/s (tokens of the tagger's tokenizer),
tokens per CPU second of the predicting Python process(es) (a figure that other work on a
busy machine disturbs less than wall time; Spark's JVM is not in it) and, for Spark,
session start-up apart from the job, model loads and resident memory per Python worker.
Then the parallel efficiency (local[2] rate / 2 x local[1] rate), local[2] over ``seqnlp
tag --input``, and what 100 M documents cost on N cores at the local[1] rate per core.
Written to tests/benchmarks/results/batch_<task>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

RESULTS = Path(__file__).parent / "results"
# published CPU figures of the peers the issue names (not measured here)
PEERS = {
    "spark_nlp_bilstm_cnn_ner_2_cores_tokens_per_s": 1950,
    "spacy_en_core_web_lg_cpu_words_per_s": 10000,
}


def make_input(directory: Path, sentences: int) -> tuple[Path, Path]:
    """(Parquet file, text file) of ``sentences`` EWT sentences, ids 0..n-1."""
    import itertools

    import pandas as pd

    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import dataset_path

    pool = [s.text for s in read_conllu(dataset_path("ud-english-ewt", "train")) if s.text]
    texts = list(itertools.islice(itertools.cycle(pool), sentences))
    parquet, text = directory / "input.parquet", directory / "input.txt"
    pd.DataFrame({"id": range(len(texts)), "text": texts}).to_parquet(parquet)
    text.write_text("\n".join(texts) + "\n", encoding="utf-8")
    return parquet, text


def tag_input(text: Path) -> dict:
    """``seqnlp tag --input FILE``'s path, in this process."""
    from seqnlp.corpus import iter_lines
    from seqnlp.tagger import Tagger, format_sentence, tag_lines

    start, cpu = time.perf_counter(), time.process_time()
    tagger = Tagger.load()
    tokens = 0
    for i, sentence in enumerate(tag_lines(tagger, iter_lines(text), batch_size=256)):
        format_sentence(sentence, "text", "upos", i)
        tokens += len(sentence.tokens)
    lines = sum(1 for _ in iter_lines(text))  # documents; tag_lines yields their sentences
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"seconds": seconds, "worker_cpu_seconds": cpu, "documents": lines, "tokens": tokens}


def local_engine(task: str, parquet: Path, out: Path) -> dict:
    import pandas as pd

    from seqnlp.batch import run_local

    start = time.perf_counter()
    stats = run_local(task, str(parquet), out, overwrite=True)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, **_counts(pd.read_parquet(out)), **stats.summary()}


def _counts(frame) -> dict:
    column = next((c for c in ("tokens", "sentences") if c in frame), None)
    tokens = int(frame[column].dropna().map(len).sum()) if column else None
    return {"documents": len(frame), "tokens": tokens}


def spark_job(args) -> None:
    """One Spark run in this process (called as a subprocess): prints its JSON."""
    start = time.perf_counter()
    from seqnlp import spark

    session = spark.session(args.master)
    session.sparkContext.setLogLevel("OFF")
    startup = time.perf_counter() - start
    start = time.perf_counter()
    stats = spark.stats_accumulator(session)
    df = spark.read_input(session, args.input).repartition(args.partitions)
    result = spark.predict_dataframe(df, args.task, stats=stats)
    spark.write_output(result, args.output, overwrite=True)
    seconds = time.perf_counter() - start
    import pandas as pd

    counts = _counts(pd.read_parquet(args.output))
    print(
        json.dumps(
            {"startup_seconds": startup, "seconds": seconds, **counts, **stats.value.summary()}
        )
    )


def run_spark(task: str, master: str, parquet: Path, out: Path, partitions: int) -> dict:
    command = [sys.executable, __file__, "_spark", "--master", master, "--task", task]
    command += ["--input", str(parquet), "--output", str(out), "--partitions", str(partitions)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=200_000)
    parser.add_argument(
        "--task", default="tag", choices=["tag", "sentiment", "vectors", "tokenize"]
    )
    parser.add_argument("--partitions", type=int, default=8)
    sub = parser.add_subparsers(dest="mode")
    job = sub.add_parser("_spark")  # internal: one Spark run, in a fresh process
    for option in ("--master", "--input", "--output"):
        job.add_argument(option, required=True)
    job.add_argument("--task", required=True)
    job.add_argument("--partitions", type=int, required=True)
    args = parser.parse_args()
    if args.mode == "_spark":
        spark_job(args)
        return
    runs: dict[str, dict] = {}
    load_at_start = [round(x, 2) for x in os.getloadavg()]  # other work on the machine
    with tempfile.TemporaryDirectory() as tmp:
        parquet, text = make_input(Path(tmp), args.sentences)
        if args.task == "tag":
            runs["seqnlp_tag_input"] = tag_input(text)
        runs["in_process_batch"] = local_engine(args.task, parquet, Path(tmp) / "local")
        for master in ("local[1]", "local[2]"):
            out = Path(tmp) / master.replace("[", "").replace("]", "")
            runs[master] = run_spark(args.task, master, parquet, out, args.partitions)
    for run in runs.values():
        run["documents_per_s"] = round(run["documents"] / run["seconds"], 1)
        if run.get("tokens"):
            run["tokens_per_s"] = round(run["tokens"] / run["seconds"], 1)
            # per CPU second of the Python process that predicts: what another job on the
            # machine cannot take away (Spark's JVM side is not in it)
            run["tokens_per_worker_cpu_s"] = round(run["tokens"] / run["worker_cpu_seconds"], 1)
    one, two = runs["local[1]"]["documents_per_s"], runs["local[2]"]["documents_per_s"]
    baseline = runs.get("seqnlp_tag_input", runs["in_process_batch"])["documents_per_s"]
    result = {
        "task": args.task,
        "sentences": args.sentences,
        "partitions": args.partitions,
        "runs": runs,
        "parallel_efficiency": round(two / (2 * one), 3),
        "local2_over_in_process": round(two / baseline, 3),
        # at the local[1] rate per core, job time only (no start-up, no cluster overhead)
        "hours_for_100M_documents": {
            f"{cores}_cores": round(1e8 / (one * cores) / 3600, 2) for cores in (8, 32, 128)
        },
        "peers_published": PEERS,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_avg_at_start": load_at_start,
        "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "command": "python " + " ".join(sys.argv),
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"batch_{args.task}.json"
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"written to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
