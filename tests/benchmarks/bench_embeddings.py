"""Embedding benchmarks, run on demand (not part of the test suite).

    python tests/benchmarks/bench_embeddings.py [--full-model DIR] [--only quality|training|scale]

Writes tests/benchmarks/results/embeddings.json with:
- quality of the shipped vectors (Google analogies at restrict_vocab=30000, 3CosAdd and
  3CosMul, WordSim353 and SimLex-999 Spearman, each with coverage);
- with --full-model (the untruncated float32 output of the recipe): what keeping 30k
  words and float16 costs, measured on the same benchmarks;
- cold start of ``seqnlp analogy king man woman`` (median of 5 process runs);
- training: words/s of seqnlp's wrapper against plain gensim on the same tokenized
  slice with the same settings, in the same run (ratio);
- scale: words/s with 1 and 2 workers in gensim's corpus_file mode (seqnlp's path) and,
  in the same run, in iterable mode (its peer), with the cores other processes kept busy;
  peak memory of ``seqnlp train-embeddings`` on a corpus and on twice that corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "embeddings.json"


def quality(model: str | None) -> dict:
    from seqnlp.embeddings import WordVectors, evaluate

    vectors = WordVectors.load(model)
    scores = evaluate(vectors, restrict_vocab=30_000)
    a = scores["analogy"]
    return {
        "words": len(vectors),
        "dim": vectors.dim,
        "stored_dtype": vectors.meta.get("dtype", str(vectors.vectors.dtype)),
        "analogy_add": round(a["add"]["total"], 4),
        "analogy_mul": round(a["mul"]["total"], 4),
        "analogy_semantic_add": round(a["add"]["semantic"], 4),
        "analogy_syntactic_add": round(a["add"]["syntactic"], 4),
        "analogy_coverage": round(a["coverage"], 4),
        **{
            f"{name}_{key}": round(value, 4)
            for name, s in scores["similarity"].items()
            for key, value in s.items()
            if key in ("spearman", "coverage")
        },
        "king-man+woman": vectors.analogy("king", "man", "woman", topn=3),
    }


def variants(full_model: str) -> dict:
    """What the shipped cut (30k words, float16) costs against the full float32 vectors."""
    from seqnlp.embeddings import WordVectors

    full = WordVectors.load(full_model)
    out = {"full_float32": quality(full_model)}
    with tempfile.TemporaryDirectory() as tmp:
        for size in (30_000, 50_000):
            for dtype in ("float32", "float16"):
                path = Path(tmp) / f"{size}-{dtype}"
                full.truncate(size).save(path, dtype=dtype)
                size_mb = (path / "weights.safetensors").stat().st_size / 1e6
                out[f"top{size}_{dtype}"] = {**quality(str(path)), "weights_mb": round(size_mb, 1)}
    return out


def cold_start(runs: int = 5) -> dict:
    """Seconds from process start to the answer, as a user sees it."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        out = subprocess.run(
            ["seqnlp", "analogy", "king", "man", "woman", "--topn", "1"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        times.append(time.perf_counter() - start)
    return {
        "median_s": round(statistics.median(times), 3),
        "runs": [round(t, 3) for t in times],
        "answer": out.split()[0],
    }


def _slice_corpus(words: int, out: Path) -> int:
    from seqnlp.datasets import dataset_paths
    from seqnlp.embeddings.training import prepare_corpus

    raw = out.with_suffix(".raw.txt")
    first = dataset_paths("enwiki-2015")[0]
    from seqnlp.corpus import read_wikipedia

    count = 0
    with open(raw, "w", encoding="utf-8") as f:
        for line in read_wikipedia(first):
            if count >= words:
                break
            f.write(line + "\n")
            count += len(line.split())
    return prepare_corpus([raw], out, progress=False).words


def throughput(corpus: Path, words: int, rounds: int = 2) -> dict:
    """words/s of seqnlp.embeddings.train vs gensim's Word2Vec on the same file and settings.

    The two alternate and each keeps its best round, so that load from other processes
    on the machine does not decide the ratio.
    """
    from gensim.models import Word2Vec

    from seqnlp.embeddings import EmbeddingConfig
    from seqnlp.embeddings.training import train

    config = EmbeddingConfig(epochs=1)

    def ours() -> None:
        train(corpus, config, workers=2, progress=False)

    def theirs() -> None:
        Word2Vec(
            corpus_file=str(corpus),
            vector_size=config.dim,
            window=config.window,
            negative=config.negative,
            sample=config.sample,
            sg=0,
            min_count=config.min_count,
            epochs=1,
            workers=2,
            seed=config.seed,
        )

    best = {"seqnlp": 0.0, "gensim": 0.0}
    for _ in range(rounds):
        for name, run in (("seqnlp", ours), ("gensim", theirs)):
            start = time.perf_counter()
            run()
            best[name] = max(best[name], words / (time.perf_counter() - start))
    return {
        "corpus_words": words,
        "seqnlp_words_per_s": round(best["seqnlp"]),
        "gensim_words_per_s": round(best["gensim"]),
        "ratio": round(best["seqnlp"] / best["gensim"], 3),
        "rounds": rounds,
    }


def _cpu_clock() -> tuple[float, float, float]:
    """(wall, CPU seconds busy on the whole machine, CPU seconds of this process and children)."""
    with open("/proc/stat") as f:
        jiffies = [int(x) for x in f.readline().split()[1:9]]
    busy = sum(jiffies) - jiffies[3] - jiffies[4]  # less idle and iowait
    t = os.times()
    ours = t.user + t.system + t.children_user + t.children_system
    return time.monotonic(), busy / os.sysconf("SC_CLK_TCK"), ours


def _other_cores(since: tuple[float, float, float]) -> float:
    """Cores that other processes kept busy since ``since``: the contention a run met.

    The load average counts this benchmark's own threads too, so it cannot tell.
    """
    now = _cpu_clock()
    return round(((now[1] - since[1]) - (now[2] - since[2])) / (now[0] - since[0]), 2)


def _wait_for_quiet(limit_s: float = 10.0) -> None:
    """Start a timed run when other processes leave the cores idle, waiting at most ``limit_s``."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        since = _cpu_clock()
        time.sleep(1)
        if _other_cores(since) < 0.25:
            return


def scaling(corpus: Path, rounds: int = 2) -> dict:
    """Training words/s with 1 and 2 workers, corpus_file mode against iterable mode.

    corpus_file is seqnlp's own path (``embeddings.train``); the iterable peer feeds
    the same model the same file through gensim's ``LineSentence``, one Python thread
    batching words for the workers. Words/s count the training pass only (the
    vocabulary scan is the same single-threaded pass in both modes and is reported
    apart). Runs alternate and each keeps its best round, so a burst of load from
    other processes does not decide a ratio; each run waits up to 10 s for idle cores
    and records the cores that other processes kept busy meanwhile, because the
    machine is shared.
    """
    from gensim.models.word2vec import LineSentence

    from seqnlp.embeddings import EmbeddingConfig
    from seqnlp.embeddings.training import gensim_model, train

    config = EmbeddingConfig(epochs=1)

    def corpus_file(workers: int) -> tuple[int, float, float]:
        vectors = train(corpus, config, workers=workers, progress=False)
        t = vectors.meta["training"]
        return vectors.meta["corpus"]["words"], t["vocab_seconds"], t["train_seconds"]

    def iterable(workers: int) -> tuple[int, float, float]:
        model = gensim_model(config, workers)
        start = time.perf_counter()
        model.build_vocab(corpus_iterable=LineSentence(str(corpus)))
        scanned = time.perf_counter()
        model.train(
            corpus_iterable=LineSentence(str(corpus)),
            total_examples=model.corpus_count,
            epochs=config.epochs,
        )
        return model.corpus_total_words, scanned - start, time.perf_counter() - scanned

    runs: dict[str, dict] = {}
    for _ in range(rounds):
        for mode, run in (("corpus_file", corpus_file), ("iterable", iterable)):
            for workers in (1, 2):
                _wait_for_quiet()
                since = _cpu_clock()
                words, vocab_s, train_s = run(workers)
                rounds_of = runs.setdefault(f"{mode}_{workers}", {})
                for key, value in (
                    ("words_per_s", round(words / train_s)),
                    ("vocab_scan_words_per_s", round(words / vocab_s)),
                    ("other_cores_busy", _other_cores(since)),
                ):
                    rounds_of.setdefault(key, []).append(value)
    for measured in runs.values():
        measured["best_words_per_s"] = max(measured["words_per_s"])
    cf1, cf2 = (runs[f"corpus_file_{n}"]["best_words_per_s"] for n in (1, 2))
    it1, it2 = (runs[f"iterable_{n}"]["best_words_per_s"] for n in (1, 2))
    return {
        "corpus_words": words,
        "settings": "CBOW 200-d, window 8, 15 negatives, sample 1e-4, min count 5, 1 epoch",
        "rounds": rounds,
        "runs": runs,
        "corpus_file_2_over_1_workers": round(cf2 / cf1, 3),
        "iterable_2_over_1_workers": round(it2 / it1, 3),
        "corpus_file_over_iterable_1_worker": round(cf1 / it1, 3),
        "corpus_file_over_iterable_2_workers": round(cf2 / it2, 3),
    }


def peak_memory(corpus: Path, tmp: Path) -> dict:
    """Peak RSS (MB) of a whole train-embeddings process on a corpus and on twice it."""
    double = tmp / "double.txt"
    double.write_bytes(corpus.read_bytes() * 2)
    out = {}
    for name, path in (("corpus", corpus), ("corpus_x2", double)):
        code = (
            "import resource, subprocess, sys\n"
            "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        cmd = [
            sys.executable,
            "-c",
            code,
            "seqnlp",
            "train-embeddings",
            "--corpus",
            str(path),
            "--epochs",
            "1",
            "--no-evaluate",
            "--max-vocab",
            "50000",
            "--workers",
            "2",
            "--force",
            "-o",
            str(tmp / f"model-{name}"),
        ]
        kb = int(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
        out[f"{name}_peak_mb"] = round(kb / 1024)
        out[f"{name}_bytes"] = path.stat().st_size
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full-model", help="untruncated float32 vectors of the recipe")
    parser.add_argument(
        "--only", choices=("quality", "training", "scale"), help="run one part (default: all)"
    )
    parser.add_argument("--slice-words", type=int, default=3_000_000)
    parser.add_argument("--rounds", type=int, default=2, help="best of N for words/s")
    args = parser.parse_args()

    def wanted(part: str) -> bool:
        return args.only in (None, part)

    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if wanted("quality"):
        results.update(shipped=quality(None), cold_start=cold_start())
        if args.full_model:
            results["variants"] = variants(args.full_model)
    if wanted("training") or wanted("scale"):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "slice.txt"
            words = _slice_corpus(args.slice_words, corpus)
            if wanted("training"):
                results["throughput"] = throughput(corpus, words, args.rounds)
            if wanted("scale"):
                start = time.perf_counter()
                scale = {
                    "cpus": os.cpu_count(),
                    "load_avg_at_start": [round(x, 2) for x in os.getloadavg()],
                    **scaling(corpus, args.rounds),
                    "memory": peak_memory(corpus, Path(tmp)),
                }
                results["scale"] = {
                    **scale,
                    "load_avg_at_end": [round(x, 2) for x in os.getloadavg()],
                    "seconds": round(time.perf_counter() - start),
                }
                results.pop("memory", None)  # now part of "scale"
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
