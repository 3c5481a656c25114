"""Embedding benchmarks, run on demand (not part of the test suite).

    python tests/benchmarks/bench_embeddings.py [--full-model DIR] [--skip-training]

Writes tests/benchmarks/results/embeddings.json with:
- quality of the shipped vectors (Google analogies at restrict_vocab=30000, 3CosAdd and
  3CosMul, WordSim353 and SimLex-999 Spearman, each with coverage);
- with --full-model (the untruncated float32 output of the recipe): what keeping 30k
  words and float16 costs, measured on the same benchmarks;
- cold start of ``seqnlp analogy king man woman`` (median of 5 process runs);
- training words/s of seqnlp's wrapper against plain gensim on the same tokenized
  slice with the same settings, in the same run (ratio);
- peak memory of ``seqnlp train-embeddings`` on a corpus and on twice that corpus.
"""

from __future__ import annotations

import argparse
import json
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
    from seqnlp.embeddings import prepare_corpus

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

    from seqnlp.embeddings import EmbeddingConfig, PreparedCorpus, train

    config = EmbeddingConfig(epochs=1)

    def ours() -> None:
        train(PreparedCorpus(corpus, 0, words, []), config, workers=2, progress=False)

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
    parser.add_argument("--skip-training", action="store_true", help="no throughput/memory runs")
    parser.add_argument("--only-training", action="store_true", help="only throughput/memory")
    parser.add_argument("--slice-words", type=int, default=5_000_000)
    args = parser.parse_args()

    results: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    if not args.only_training:
        results.update(shipped=quality(None), cold_start=cold_start())
    if args.full_model:
        results["variants"] = variants(args.full_model)
    if not args.skip_training:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "slice.txt"
            words = _slice_corpus(args.slice_words, corpus)
            results["throughput"] = throughput(corpus, words)
            results["memory"] = peak_memory(corpus, Path(tmp))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
