"""Embedding commands: train, evaluate, plot (the queries are in :mod:`seqnlp.cli.queries`)."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import click

from seqnlp.cli.common import (
    check_image,
    config_options,
    model_output_options,
    quiet,
    reject_existing_output,
)
from seqnlp.cli.queries import load_vectors, vectors_option
from seqnlp.embeddings.recipe import RECIPE
from seqnlp.plotting import IMAGE_SUFFIXES

POSITIVE = click.IntRange(min=1)


@click.command("train-embeddings")
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    default=["enwiki-2015"],
    show_default=True,
    metavar="NAME|PATH",
    help="A text file (plain, WikiExtractor, .gz, .xz), a registered corpus (enwiki-2015) "
    "or one of its files (enwiki-2015:part1), or the texts of a sentiment dataset's split "
    "(yelp:train); repeatable.",
)
@config_options(
    RECIPE.config,
    (
        "algorithm",
        "sg",
        "dim",
        "window",
        "negative",
        "sample",
        "epochs",
        "min_count",
        "max_vocab",
        "lowercase",
        "seed",
    ),
    into="config",
)
@click.option(
    "--top",
    type=POSITIVE,
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
    "--evaluate/--no-evaluate",
    default=True,
    show_default=True,
    help="Score analogies and word similarity after training and record them in meta.json.",
)
@model_output_options(checkpoints=False)
def train_embeddings(
    corpora,
    config,
    top,
    dtype,
    tokenized,
    workers,
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
    from seqnlp.embeddings import evaluate as run_evaluation
    from seqnlp.embeddings import train_embeddings
    from seqnlp.embeddings.training import corpus_sources

    reject_existing_output(output, force)
    sources = corpus_sources(corpora)
    vectors = train_embeddings(sources, config, workers=workers, tokenized=tokenized)
    vectors.meta["corpus"]["names"] = list(corpora)
    if top:
        vectors = vectors.truncate(top)
    if evaluate:
        vectors.meta["scores"] = run_evaluation(vectors)
    vectors.save(output, dtype=dtype, overwrite=force)
    speed = vectors.meta["training"]["words_per_second"]
    click.echo(
        f"Saved {len(vectors):,} vectors of {config.dim} dimensions to {output} "
        f"({vectors.meta['corpus']['words']:,} corpus words, {speed:,.0f} words/s with "
        f"{vectors.meta['training']['workers']} workers)"
    )
    if evaluate:
        click.echo(_format_scores(vectors.meta["scores"]))


@click.command("evaluate-embeddings")
@vectors_option
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
    type=POSITIVE,
    help="Only the N most frequent words answer analogies (the usual protocol).",
)
@click.option("--json", "as_json", is_flag=True, help="The scores as one JSON object.")
def evaluate_embeddings(model, analogies, similarities, restrict_vocab, as_json):
    """Score vectors on Google analogies (3CosAdd, 3CosMul) and word similarity.

    JSON keys: analogy.add.total, analogy.mul.total, analogy.coverage,
    similarity.<name>.spearman (null when no pair is covered), similarity.<name>.coverage,
    restrict_vocab (the candidate words actually used). About 10 s on the shipped vectors;
    a progress bar shows on stderr when it is a terminal (not in a pipe or a log, nor
    with -q).
    """
    from seqnlp.embeddings import evaluate

    vectors = load_vectors(model)
    progress = _interactive() and not quiet()
    scores = evaluate(
        vectors, analogies, list(similarities) or None, restrict_vocab, progress=progress
    )
    click.echo(json.dumps(scores, indent=2) if as_json else _format_scores(scores))


def _interactive() -> bool:
    """Progress bars on a terminal only: in a log file or a pipe they are noise."""
    return sys.stderr.isatty()


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
        spearman = "-" if s["spearman"] is None else f"{s['spearman']:.3f}"
        lines.append(f"  {name:14}{spearman:>7}{s['coverage']:>9.1%}")
    return "\n".join(lines)


@click.command("plot-embeddings")
@click.argument("words", nargs=-1)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    help="Plot the N most frequent real words instead of WORDS: letters only, at least two, "
    "with a vowel (no punctuation, numbers, 's, th, nd).",
)
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
    callback=check_image,
    help="Image file: " + ", ".join(IMAGE_SUFFIXES) + ".",
)
@vectors_option
def plot_embeddings(words, top, method, output, model):
    """Draw a labelled 2-D map of word vectors.

    \b
      seqnlp plot-embeddings king queen man woman paris france rome italy -o map.png
      seqnlp plot-embeddings --top 200 --method tsne -o top200.png
    """
    import numpy as np

    if bool(words) == bool(top):
        raise click.UsageError("give WORDS or --top N (one of the two)")
    from seqnlp.plotting import plot_words

    vectors = load_vectors(model)
    if top:
        chosen = list(itertools.islice(filter(is_real_word, vectors.words), top))
    else:
        chosen = list(dict.fromkeys(words))
    matrix = np.stack([vectors.vector(w) for w in chosen])
    name = Path(model).name if model else "shipped vectors"
    plot_words(chosen, matrix, output, method, f"{name}: {len(chosen)} words, {method.upper()}")
    click.echo(f"Wrote {output}")


def is_real_word(word: str) -> bool:
    """Letters only, at least two, one a vowel: 'king', 'of'; not "'s", 's', 'th', '1990'."""
    return len(word) >= 2 and word.isalpha() and any(c in "aeiouyAEIOUY" for c in word)
