"""Outside vectors at GoogleNews size, run on demand (not part of the test suite).

    nice python tests/benchmarks/bench_vectors.py [--rows 3000000] [--dim 300] [--trees 20]
        [--no-gensim] [--no-index] [--keep DIR]

Writes tests/benchmarks/results/vectors.json with, for a synthetic word2vec binary of
ROWS x DIM (written to a temporary directory and deleted afterwards):

- the file: seconds to write it, bytes;
- ``seqnlp vectors import``: seconds, peak RSS, bytes of the directory (float32);
- a fresh process that opens the directory and answers one exact ``similar`` query:
  seconds (after the imports) and peak RSS, with the page cache warm and cold (the
  benchmark's files evicted with posix_fadvise, nobody else's); the CLI's whole run;
- exact query latency (median of 20), with and without ``--restrict 300000``;
- the annoy index: build seconds (2 cores), bytes, search_k chosen, recall@10 against
  exact on 200 random words, per-query latency, open + first approximate query in a
  fresh process with its peak RSS;
- gensim's ``load_word2vec_format`` + ``most_similar`` on the same file in the same run
  (seconds, peak RSS, the ratio to seqnlp's open + first query), unless --no-gensim.

The table is synthetic but has neighbours worth finding (uniform random 300-d vectors
have none): each row is a point of a 2,000-component Gaussian mixture in a 32-d latent
space, mapped to DIM dimensions by a fixed random matrix, plus isotropic noise at a
tenth of the signal's scale per coordinate; rows are shuffled with respect to clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).parent / "results" / "vectors.json"
LATENT, CLUSTERS = 32, 2000


def write_synthetic(path: Path, rows: int, dim: int, seed: int = 0) -> dict:
    """A word2vec binary of ``rows`` x ``dim`` with structure (see the module docstring)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(CLUSTERS, LATENT)).astype(np.float32)
    mapping = (rng.normal(size=(LATENT, dim)) / np.sqrt(LATENT)).astype(np.float32)
    start = time.perf_counter()
    with open(path, "wb") as f:
        f.write(f"{rows} {dim}\n".encode())
        for first in range(0, rows, 100_000):
            n = min(100_000, rows - first)
            latent = centres[rng.integers(0, CLUSTERS, n)]
            latent += 0.35 * rng.normal(size=(n, LATENT)).astype(np.float32)
            block = latent @ mapping
            block += 0.1 * rng.normal(size=(n, dim)).astype(np.float32)
            data = block.astype("<f4").tobytes()
            width = 4 * dim
            f.write(
                b"".join(
                    b"w%d %s\n" % (first + i, data[i * width : (i + 1) * width]) for i in range(n)
                )
            )
    return {"seconds": round(time.perf_counter() - start, 1), "bytes": path.stat().st_size}


WRAP = (
    "import atexit, runpy, sys\n"
    "out = sys.argv.pop(1)\n"
    "def report():\n"
    "    hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
    "    with open(out, 'w') as f:\n"
    "        f.write(hwm.split()[1])\n"
    "atexit.register(report)\n"
    "sys.argv[0] = 'seqnlp'\n"
    "runpy.run_module('seqnlp', run_name='__main__')\n"
)


def run_seqnlp(args: list[str]) -> tuple[str, float, float]:
    """stdout, wall seconds and peak RSS (MB: VmHWM, mapped file pages included) of one
    ``seqnlp`` command in a fresh process."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-c", WRAP, rss.name, *args], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if run.returncode:
            raise RuntimeError(f"seqnlp {args[:3]} failed: {run.stderr[-2000:]}")
        return run.stdout, seconds, int(open(rss.name).read()) / 1024


def child(code: str) -> tuple[dict, float, float]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object with its peak RSS
    (VmHWM: mapped file pages included; ru_maxrss would include this parent's, inherited
    across fork and exec)."""
    wrapped = (
        "import json, time\n"
        + code
        + "\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]"
        "\nresult['peak_rss_mb'] = round(int(hwm.split()[1]) / 1024, 1)"
        "\nprint(json.dumps(result))\n"
    )
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", wrapped], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if run.returncode:
        raise RuntimeError(run.stderr[-3000:])
    result = json.loads(run.stdout.strip().splitlines()[-1])
    return result, seconds, result["peak_rss_mb"]


def evict(*paths: Path) -> None:
    """Drop these files' pages from the page cache (only ours, not the machine's)."""
    for root in paths:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for p in files:
            fd = os.open(p, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


OPEN_AND_QUERY = """
start = time.perf_counter()
from seqnlp.embeddings import WordVectors
imported = time.perf_counter()
wv = WordVectors.load({directory!r})
opened = time.perf_counter()
answer = wv.similar({word!r}, 10{extra})
done = time.perf_counter()
result = {{"import_s": round(imported - start, 3), "open_s": round(opened - imported, 4),
          "query_s": round(done - opened, 3), "open_and_query_s": round(done - imported, 3),
          "answer": answer[:3]}}
"""


def open_and_query(directory: Path, word: str, extra: str = "") -> dict:
    code = OPEN_AND_QUERY.format(directory=str(directory), word=word, extra=extra)
    result, seconds, _ = child(code)
    result["process_s"] = round(seconds, 2)
    return result


LATENCY = """
import random, statistics
from seqnlp.embeddings import WordVectors
wv = WordVectors.load({directory!r})
rng = random.Random(1)
words = [wv.words[rng.randrange(len(wv))] for _ in range({n})]
wv.similar(words[0], 10{extra})
times = []
for w in words:
    t = time.perf_counter(); wv.similar(w, 10{extra}); times.append(time.perf_counter() - t)
result = {{"median_ms": round(1000 * statistics.median(times), 2),
          "max_ms": round(1000 * max(times), 2), "queries": len(times)}}
"""


def latency(directory: Path, n: int, extra: str = "") -> dict:
    result, _, _ = child(LATENCY.format(directory=str(directory), n=n, extra=extra))
    return result


RECALL = """
import numpy as np
from seqnlp.embeddings import WordVectors
wv = WordVectors.load({directory!r})
rng = np.random.default_rng(7)
rows = rng.choice(len(wv), size={n}, replace=False)
unit = np.stack([wv.vectors[int(r)] for r in rows]).astype(np.float32)
unit /= np.linalg.norm(unit, axis=1, keepdims=True)
t = time.perf_counter()
ids, _ = wv.nearest_rows(unit, 11)
exact_s = time.perf_counter() - t
hits = 0
t = time.perf_counter()
for j, row in enumerate(rows):
    exact = [i for i in ids[j].tolist() if i != row][:10]
    found = [i for i, _ in wv.ann.search(unit[j], 11) if i != row][:10]
    hits += len(set(exact) & set(found))
approx_s = time.perf_counter() - t
result = {{"recall_at_10": hits / (10 * len(rows)), "queries": len(rows),
          "search_k": wv.ann.search_k, "approx_ms_per_query": round(1000 * approx_s / len(rows), 2),
          "exact_batch_s": round(exact_s, 1)}}
"""

GENSIM = """
start = time.perf_counter()
from gensim.models import KeyedVectors
imported = time.perf_counter()
kv = KeyedVectors.load_word2vec_format({path!r}, binary=True)
loaded = time.perf_counter()
answer = kv.most_similar({word!r}, topn=10)
done = time.perf_counter()
result = {{"import_s": round(imported - start, 3), "load_s": round(loaded - imported, 1),
          "query_s": round(done - loaded, 2), "load_and_query_s": round(done - imported, 1),
          "answer": answer[:3]}}
"""


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--trees", type=int, default=20)
    parser.add_argument("--no-gensim", action="store_true")
    parser.add_argument("--no-index", action="store_true")
    parser.add_argument("--tmp", help="Where the files go (default: the system's temp dir).")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="seqnlp-bench-vectors-", dir=args.tmp))
    out: dict = {
        "rows": args.rows,
        "dim": args.dim,
        "synthetic": f"{CLUSTERS}-component Gaussian mixture in {LATENT}-d, mapped to "
        f"{args.dim}-d, noise 0.1 per coordinate",
        "machine": f"{os.cpu_count()} cores (shared), nice; {sys.platform}",
    }
    try:
        path = tmp / "synthetic.bin"
        out["file"] = write_synthetic(path, args.rows, args.dim)
        print("file", out["file"], flush=True)
        directory = tmp / "imported"
        _, seconds, rss = run_seqnlp(["vectors", "import", str(path), "-o", str(directory)])
        out["import"] = {
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(rss),
            "bytes": du(directory),
        }
        print("import", out["import"], flush=True)
        word = f"w{args.rows // 3}"
        out["open_first_query_warm"] = open_and_query(directory, word)
        evict(directory)
        out["open_first_query_cold"] = open_and_query(directory, word)
        print("open+query", out["open_first_query_warm"], out["open_first_query_cold"], flush=True)
        _, seconds, rss = run_seqnlp(["similar", word, "--vectors", str(directory)])
        out["cli_similar"] = {"seconds": round(seconds, 2), "peak_rss_mb": round(rss)}
        out["exact_latency"] = latency(directory, 20)
        out["exact_latency_restrict_300k"] = latency(directory, 20, ", restrict_vocab=300_000")
        print("exact", out["exact_latency"], out["exact_latency_restrict_300k"], flush=True)
        if not args.no_index:
            _, seconds, rss = run_seqnlp(
                ["vectors", "index", str(directory), "--trees", str(args.trees)]
            )
            meta = json.loads((directory / "index.json").read_text())
            out["index"] = {
                "library": "annoy",
                "trees": args.trees,
                "seconds": round(seconds, 1),
                "peak_rss_mb": round(rss),
                "bytes": (directory / "index.annoy").stat().st_size,
                "search_k": meta["search_k"],
                "search_k_tried": meta["search_k_tried"],
            }
            print("index", out["index"], flush=True)
            result, _, _ = child(RECALL.format(directory=str(directory), n=200))
            out["index"]["recall"] = result
            out["approx_latency"] = latency(directory, 100, ", approximate=True")
            evict(directory)
            out["open_first_approx_query_cold"] = open_and_query(
                directory, word, ", approximate=True"
            )
            out["open_first_approx_query_warm"] = open_and_query(
                directory, word, ", approximate=True"
            )
            print("approx", out["index"]["recall"], out["approx_latency"], flush=True)
        if not args.no_gensim:
            result, seconds, _ = child(GENSIM.format(path=str(path), word=word))
            result["process_s"] = round(seconds, 1)
            out["gensim"] = result
            mine = out["open_first_query_warm"]["open_and_query_s"]
            out["gensim_ratio"] = round(result["load_and_query_s"] / mine, 1)
            print("gensim", result, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
