"""Tokenizer benchmark, run on demand (not part of the test suite).

    python tests/benchmarks/bench_tokenizer.py [--wiki-lines N] [--repeat N]

Needs the datasets through the registry (SEQNLP_DATA_DIR pointing at a mirror, or
`seqnlp data download ud-english-ewt` and `... enwiki-2015`). Writes
tests/benchmarks/results/tokenizer.json with:
- word and sentence precision/recall/F1 on EWT test (the figure to quote) and dev
  (the split the rules were tuned on, with train), scored as CoNLL 2018 does;
- word_tokenize throughput on the EWT test sentences, and tokenize (sentence splitting
  + words) throughput on the first Wikipedia paragraphs, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "tokenizer.json"


def scores(split: str) -> dict:
    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import dataset_path
    from seqnlp.evaluation import evaluate_tokenizer

    result = evaluate_tokenizer(read_conllu(dataset_path("ud-english-ewt", split)))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in result.items()}


def best_rate(run: Callable[[], int], repeat: int) -> tuple[float, int]:
    """Tokens per second of the fastest of ``repeat`` runs (the machine is shared)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        tokens = run()
        best = min(best, time.perf_counter() - start)
    return tokens / best, tokens


def throughput(wiki_lines: int, repeat: int) -> dict:
    from seqnlp.corpus import read_conllu, read_wikipedia
    from seqnlp.datasets import dataset_path
    from seqnlp.tokenize import tokenize, word_tokenize

    sentences = [s.text for s in read_conllu(dataset_path("ud-english-ewt", "test"))]
    rate, tokens = best_rate(lambda: sum(len(word_tokenize(s)) for s in sentences), repeat)
    out = {"word_tokenize_ewt_test": {"tokens_per_s": round(rate), "tokens": tokens}}
    if wiki_lines:
        first_part = dataset_path("enwiki-2015")[0]
        paragraphs = list(itertools.islice(read_wikipedia(first_part), wiki_lines))
        rate, tokens = best_rate(
            lambda: sum(len(s) for p in paragraphs for s in tokenize(p)), repeat
        )
        out["tokenize_wikipedia"] = {
            "tokens_per_s": round(rate),
            "tokens": tokens,
            "paragraphs": len(paragraphs),
            "file": first_part.name,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wiki-lines", type=int, default=20_000, help="0 skips Wikipedia")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    results = {
        "ewt_test": scores("test"),
        "ewt_dev": scores("dev"),
        "throughput": throughput(args.wiki_lines, args.repeat),
        **provenance(),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
