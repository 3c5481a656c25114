"""Embedding commands: train, query (similar, similarity, analogy), evaluate, plot."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import click

from seqnlp.cli.common import model_option, reject_existing_output

EMBEDDINGS_HELP = "Vectors directory (default: the vectors shipped with seqnlp)."


@click.command("train-embeddings")
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    default=["enwiki-2015"],
    show_default=True,
    metavar="NAME|PATH",
    help="A registered corpus or a text file (plain, WikiExtractor, .gz, .xz); repeatable.",
)
@click.option(
    "--algorithm",
    type=click.Choice(["word2vec", "fasttext"]),
    default="word2vec",
    show_default=True,
    help="fasttext also learns sub-word vectors, so unknown words still get one.",
)
@click.option("--sg/--cbow", default=False, show_default=True, help="Skip-gram or CBOW.")
@click.option("--dim", default=200, show_default=True, help="Vector size.")
@click.option("--window", default=8, show_default=True, help="Context words on each side.")
@click.option("--negative", default=15, show_default=True, help="Negative samples per word.")
@click.option(
    "--sample", default=1e-4, show_default=True, help="Down-sampling threshold for frequent words."
)
@click.option("--epochs", default=6, show_default=True, help="Passes over the corpus.")
@click.option("--min-count", default=5, show_default=True, help="Ignore rarer words.")
@click.option("--max-vocab", type=int, help="Cap the training vocabulary (gensim max_final_vocab).")
@click.option(
    "--top",
    type=int,
    help="Save only the N most frequent words (the shipped vectors keep 30000).",
)
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float16", "int8"]),
    default="float32",
    show_default=True,
    help="float16 halves the file, int8 (a scale per row) quarters it; both cost under "
    "0.05 points on the benchmarks (see README).",
)
@click.option("--case-sensitive", is_flag=True, help="Keep case (default: lower-case all text).")
@click.option(
    "--tokenized",
    is_flag=True,
    help="The --corpus file is already one sentence per line with space-separated tokens "
    "(gensim's LineSentence format, plain text): train on it as it is, with no tokenizing "
    "pass and no temporary copy. For large corpora tokenized elsewhere.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Training threads  [default: the CPU cores available; training reads the corpus "
    "file in gensim's corpus_file mode, which scales with them]",
)
@click.option(
    "--seed", default=1, show_default=True, help="Random seed (exact only with 1 worker)."
)
@click.option(
    "--evaluate/--no-evaluate",
    default=True,
    show_default=True,
    help="Score analogies and word similarity after training and record them in meta.json.",
)
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False), help="Model dir.")
@click.option("--force", is_flag=True, help="Replace an existing model at --output.")
def train_embeddings(
    corpora,
    algorithm,
    sg,
    dim,
    window,
    negative,
    sample,
    epochs,
    min_count,
    max_vocab,
    top,
    dtype,
    case_sensitive,
    tokenized,
    workers,
    seed,
    evaluate,
    output,
    force,
):
    """Train word vectors with gensim on a corpus and save them without pickle.

    The defaults are the recipe of the shipped vectors (CBOW, 200-d, 6 epochs over
    the 2015 Wikipedia extract, about 25 minutes on 2 cores):

    \b
      seqnlp train-embeddings --top 30000 --dtype int8 --output my-vectors

    Text is tokenized and lower-cased as queries are, and streamed from disk, so
    memory does not grow with the corpus (the vocabulary does: --max-vocab caps it).
    For billions of words see "Embeddings at scale" in the README.
    """
    from seqnlp import datasets
    from seqnlp.embeddings import EmbeddingConfig, train_embeddings
    from seqnlp.embeddings import evaluate as run_evaluation

    reject_existing_output(output, force)
    sources: list[Path] = []
    for corpus in corpora:
        found = datasets.resolve(corpus)
        sources.extend(found if isinstance(found, list) else [found])
    config = EmbeddingConfig(
        algorithm=algorithm,
        sg=sg,
        dim=dim,
        window=window,
        negative=negative,
        sample=sample,
        epochs=epochs,
        min_count=min_count,
        max_vocab=max_vocab,
        lowercase=not case_sensitive,
        seed=seed,
    )
    vectors = train_embeddings(sources, config, workers=workers, tokenized=tokenized)
    vectors.meta["corpus"]["names"] = list(corpora)
    if top:
        vectors = vectors.truncate(top)
    if evaluate:
        vectors.meta["scores"] = run_evaluation(vectors)
    vectors.save(output, dtype=dtype, overwrite=force)
    speed = vectors.meta["training"]["words_per_second"]
    click.echo(
        f"Saved {len(vectors):,} vectors of {dim} dimensions to {output} "
        f"({vectors.meta['corpus']['words']:,} corpus words, {speed:,.0f} words/s with "
        f"{vectors.meta['training']['workers']} workers)"
    )
    if evaluate:
        click.echo(_format_scores(vectors.meta["scores"]))


def _load(model: str | None):
    from seqnlp.embeddings import WordVectors

    return WordVectors.load(model)


def _queries(args: tuple[str, ...], input_file, name: str):
    """Queries from the command line, or one per line from --input (- for stdin)."""
    if input_file is None:
        yield list(args)
        return
    if args:
        raise click.UsageError(f"give {name} words or --input, not both")
    for line in input_file:
        words = line.split()
        if words:
            yield words


def _run_queries(args, input_file, arity, name, answer, as_json):
    """Answer each query; a bad query in a batch is reported and the rest still run."""
    from seqnlp.errors import SeqnlpError

    failed = 0
    for words in _queries(args, input_file, name):
        if len(words) != arity:
            message = (
                f"{name} takes {arity} word{'s' * (arity > 1)}, got {len(words)}: {' '.join(words)}"
            )
            if input_file is None:
                raise click.UsageError(message)
            click.echo(f"Error: {message}", err=True)
            failed += 1
            continue
        try:
            result = answer(*words)
        except SeqnlpError as exc:
            if input_file is None:
                raise
            click.echo(f"Error: {exc}", err=True)
            failed += 1
            continue
        if as_json:
            click.echo(json.dumps({"query": words, **result}))
        else:
            click.echo(result.pop("_text"))
    if failed:
        sys.exit(1)


def _ranked(pairs) -> tuple[list[dict], str]:
    rows = [{"word": w, "score": round(s, 4)} for w, s in pairs]
    return rows, "\n".join(f"{r['word']}\t{r['score']:.4f}" for r in rows)


def _subword_note(vectors, words) -> list[str]:
    flagged = [w for w in words if vectors.is_subword_only(w)]
    for word in flagged:
        click.echo(
            f"note: {word!r} is not in the vocabulary; its vector is built from sub-words", err=True
        )
    return flagged


input_option = click.option(
    "--input",
    "input_file",
    type=click.File("r", encoding="utf-8"),
    help="Read one query per line from FILE (- for stdin) to answer many in one process.",
)
json_option = click.option("--json", "as_json", is_flag=True, help="One JSON object per query.")
topn_option = click.option("--topn", default=10, show_default=True, help="How many answers.")


@click.command()
@click.argument("word", nargs=-1)
@topn_option
@model_option(EMBEDDINGS_HELP)
@input_option
@json_option
def similar(word, topn, model, input_file, as_json):
    """Nearest neighbours of WORD by cosine similarity.

    \b
      seqnlp similar france
      printf 'king\\nparis\\n' | seqnlp similar --input -
    """
    vectors = _load(model)

    def answer(w):
        rows, text = _ranked(vectors.similar(w, topn))
        return {"results": rows, "subword": _subword_note(vectors, [w]), "_text": text}

    _run_queries(word, input_file, 1, "similar", answer, as_json)


@click.command()
@click.argument("words", nargs=-1)
@model_option(EMBEDDINGS_HELP)
@input_option
@json_option
def similarity(words, model, input_file, as_json):
    """Cosine similarity and Euclidean distance of two words.

    \b
      seqnlp similarity cat dog
    """
    vectors = _load(model)

    def answer(a, b):
        cosine, euclid = vectors.similarity(a, b), vectors.distance(a, b)
        text = f"cosine\t{cosine:.4f}\neuclidean\t{euclid:.4f}"
        return {
            "cosine": round(cosine, 4),
            "euclidean": round(euclid, 4),
            "subword": _subword_note(vectors, [a, b]),
            "_text": text,
        }

    _run_queries(words, input_file, 2, "similarity", answer, as_json)


@click.command()
@click.argument("words", nargs=-1)
@click.option(
    "--method",
    type=click.Choice(["add", "mul"]),
    default="add",
    show_default=True,
    help="add = 3CosAdd (a - b + c); mul = 3CosMul (Levy & Goldberg 2014).",
)
@topn_option
@model_option(EMBEDDINGS_HELP)
@input_option
@json_option
def analogy(words, method, topn, model, input_file, as_json):
    """Solve A - B + C: "king man woman" asks king - man + woman (queen).

    \b
      seqnlp analogy king man woman
      seqnlp analogy paris france italy --method mul --topn 3
      seqnlp analogy --input questions.txt --json
    """
    vectors = _load(model)

    def answer(a, b, c):
        rows, text = _ranked(vectors.analogy(a, b, c, method=method, topn=topn))
        return {
            "method": method,
            "results": rows,
            "subword": _subword_note(vectors, [a, b, c]),
            "_text": text,
        }

    _run_queries(words, input_file, 3, "analogy", answer, as_json)


@click.command("evaluate-embeddings")
@model_option(EMBEDDINGS_HELP)
@click.option(
    "--analogies",
    type=click.Path(exists=True, dir_okay=False),
    help="Analogy file in the Google format (default: questions-words.txt from gensim).",
)
@click.option(
    "--similarities",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="word1<TAB>word2<TAB>score files (default: WordSim353 and SimLex-999); repeatable.",
)
@click.option(
    "--restrict-vocab",
    default=30000,
    show_default=True,
    help="Only the N most frequent words answer analogies (the usual protocol).",
)
@json_option
def evaluate_embeddings(model, analogies, similarities, restrict_vocab, as_json):
    """Score vectors on Google analogies (3CosAdd, 3CosMul) and word similarity.

    JSON keys: analogy.add.total, analogy.mul.total, analogy.coverage,
    similarity.<name>.spearman, similarity.<name>.coverage.
    """
    from seqnlp.embeddings import evaluate

    scores = evaluate(_load(model), analogies, list(similarities) or None, restrict_vocab)
    click.echo(json.dumps(scores, indent=2) if as_json else _format_scores(scores))


def _format_scores(scores: dict) -> str:
    a = scores["analogy"]
    lines = [
        f"Analogies ({a['covered']:,} of {a['questions']:,} questions covered, "
        f"{a['coverage']:.1%}; top {scores.get('restrict_vocab') or 'all'} words):",
        f"  {'':10}{'total':>8}{'semantic':>10}{'syntactic':>11}",
    ]
    for method in ("add", "mul"):
        m = a[method]
        lines.append(
            f"  3Cos{method.capitalize():6}{m['total']:>8.1%}{m['semantic']:>10.1%}"
            f"{m['syntactic']:>11.1%}"
        )
    lines.append("Word similarity (Spearman, coverage):")
    for name, s in scores["similarity"].items():
        lines.append(f"  {name:14}{s['spearman']:>7.3f}{s['coverage']:>9.1%}")
    return "\n".join(lines)


@click.command("plot-embeddings")
@click.argument("words", nargs=-1)
@click.option("--top", type=int, help="Plot the N most frequent words instead of WORDS.")
@click.option(
    "--method",
    type=click.Choice(["pca", "tsne"]),
    default="pca",
    show_default=True,
    help="2-D projection (scikit-learn).",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False),
    help="Image file (.png, .svg or .pdf).",
)
@model_option(EMBEDDINGS_HELP)
def plot_embeddings(words, top, method, output, model):
    """Draw a labelled 2-D map of word vectors (--top skips punctuation and numbers).

    \b
      seqnlp plot-embeddings king queen man woman paris france rome italy -o map.png
      seqnlp plot-embeddings --top 200 --method tsne -o top200.png
    """
    import numpy as np

    from seqnlp.plotting import plot_words

    vectors = _load(model)
    if bool(words) == bool(top):
        raise click.UsageError("give WORDS or --top N (one of the two)")
    if top:  # punctuation and numbers tell nothing on a map
        alphabetic = (w for w in vectors.words if any(ch.isalpha() for ch in w))
        chosen = list(itertools.islice(alphabetic, top))
    else:
        chosen = list(dict.fromkeys(words))
    matrix = np.stack([vectors.vector(w) for w in chosen])
    name = Path(model).name if model else "shipped vectors"
    plot_words(chosen, matrix, output, method, f"{name}: {len(chosen)} words, {method.upper()}")
    click.echo(f"Wrote {output}")
