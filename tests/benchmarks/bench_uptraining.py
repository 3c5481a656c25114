"""Uptraining the tagger (issue 31), run on demand (not part of the test suite).

    python tests/benchmarks/bench_uptraining.py --teacher DIR --teacher DIR [--teacher tagger] \\
        [--ensemble NAME=DIR,DIR,...] --student NAME=DIR [--student NAME=DIR ...] [FILE.conllu ...]

Scores, in one run and on gold tokens: each teacher, their ensemble (averaged
probabilities, :class:`seqnlp.tagger.ensemble.TaggerEnsemble`) and any other ensemble of
them named by ``--ensemble``, the shipped tagger, each
student and spaCy ``en_core_web_sm`` (with its parser, as ``bench_tagger.py domains``) on
EWT dev and test and on each FILE (out-of-domain treebanks, the hand-written tweets and
headlines). Each row also gives the model's training minutes and silver data (from its
``meta.json``), its files' size and its speed tagging EWT test's gold tokens in this
process (one BLAS thread, best of three) as a ratio to the shipped tagger's; the ratio to
spaCy is ``bench_tagger.py throughput --model DIR``'s.
XPOS is scored only where a file's XPOS column uses Penn tags. Needs UD English EWT through
the registry (SEQNLP_DATA_DIR) and ``pip install -e .[bench]``. Writes
tests/benchmarks/results/tagger_uptraining.json.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_tagger import (  # noqa: E402
    _ewt,
    _write,
    spacy_gold_token_hits,
    spacy_tagger,
)


def _speed(tag, sentences) -> float:
    """Tokens per second of ``tag`` over ``sentences``' words, best of three."""
    tokens = sum(len(s.words) for s in sentences)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        tag([s.words for s in sentences])
        best = min(best, time.perf_counter() - start)
    return tokens / best


def _about(tagger) -> dict:
    """Training minutes, silver data and weights' size of a saved tagger."""
    from seqnlp.tagger.ensemble import TaggerEnsemble

    members = tagger.members if isinstance(tagger, TaggerEnsemble) else [tagger]
    seconds = sum(m.meta.get("training", {}).get("seconds", 0) for m in members)
    size = sum(f.stat().st_size for m in members for f in Path(m.path).iterdir())
    silver = tagger.meta.get("data", {}).get("silver")
    return {
        "training_minutes": round(seconds / 60, 1),
        "silver": silver and {k: silver[k] for k in ("file", "sentences")},
        "megabytes": round(size / 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="other CoNLL-U files to score")
    parser.add_argument("--teacher", action="append", default=[], help="teacher directory")
    parser.add_argument("--student", action="append", default=[], help="NAME=DIR")
    parser.add_argument(
        "--ensemble",
        action="append",
        default=[],
        help="NAME=DIR,DIR,...: another ensemble, of some teachers (tagger: the shipped one)",
    )
    args = parser.parse_args()

    from seqnlp.corpus import read_conllu
    from seqnlp.tagger import Tagger
    from seqnlp.tagger.ensemble import TaggerEnsemble
    from seqnlp.tagger.evaluation import tag_accuracies

    shipped = Tagger.load()
    # "tagger" names the shipped one, as `seqnlp silver -t tagger` does
    teachers = [shipped if t == "tagger" else Tagger.load(t) for t in args.teacher]
    models = {f"teacher {Path(t).name}": m for t, m in zip(args.teacher, teachers, strict=True)}
    models.pop("teacher tagger", None)  # its row is the shipped tagger's
    if len(teachers) > 1:
        models["teachers' ensemble"] = TaggerEnsemble(teachers)
    for spec in args.ensemble:
        name, _, dirs = spec.partition("=")
        members = [shipped if d == "tagger" else Tagger.load(d) for d in dirs.split(",")]
        models[f"ensemble {name}"] = TaggerEnsemble(members)
    models["shipped tagger"] = shipped
    for spec in args.student:
        name, _, path = spec.partition("=")
        models[f"student {name}"] = Tagger.load(path)
    nlp = spacy_tagger()
    penn = set(models["shipped tagger"].xpos_tags)
    files = [("EWT dev", _ewt("dev")), ("EWT test", _ewt("test"))]
    files += [(Path(f).name, Path(f)) for f in args.files]
    data = {name: list(read_conllu(path)) for name, path in files}
    penn_files = {
        name
        for name, sents in data.items()
        if sum(x in penn for s in sents for x in s.xpos) > 0.95 * sum(len(s.xpos) for s in sents)
    }
    test = data["EWT test"]
    _speed(shipped.predict_tokens, test)  # warm-up: the first run pays for caches
    speeds = {name: _speed(tagger.predict_tokens, test) for name, tagger in models.items()}
    rows = []
    for name, tagger in models.items():
        row = {"model": name, **_about(tagger), "tokens_per_s": round(speeds[name])}
        row["speed_vs_shipped"] = round(speeds[name] / speeds["shipped tagger"], 2)
        for file, sentences in data.items():
            scores = tag_accuracies(tagger, sentences)
            row[f"{file} UPOS"] = round(100 * scores["upos_accuracy"], 2)
            if file in penn_files:
                row[f"{file} XPOS"] = round(100 * scores["xpos_accuracy"], 2)
        rows.append(row)
        print(row, file=sys.stderr)
    row = {"model": "spaCy en_core_web_sm 3.8.0 (with its parser)"}
    for file, sentences in data.items():
        tokens = sum(len(s.words) for s in sentences)
        upos, xpos = spacy_gold_token_hits(nlp, sentences)
        row[f"{file} UPOS"] = round(100 * upos / tokens, 2)
        if file in penn_files:
            row[f"{file} XPOS"] = round(100 * xpos / tokens, 2)
    rows.append(row)
    _write(
        "uptraining",
        {
            "files": {
                name: {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
                for name, path in files
            },
            "rows": rows,
        },
    )


if __name__ == "__main__":
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")  # one BLAS thread, as `seqnlp tag` runs
    main()
