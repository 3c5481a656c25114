"""Embedding commands: train, query (similar, similarity, analogy), evaluate, plot.

Size: six commands over one set of shared options (--vectors, --input, --json, --errors)
and one batch-query loop; a module per command would repeat the options.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import click

from seqnlp.cli.common import check_image, reject_existing_output
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
@click.option("--dim", default=200, show_default=True, type=POSITIVE, help="Vector size.")
@click.option(
    "--window", default=8, show_default=True, type=POSITIVE, help="Context words on each side."
)
@click.option(
    "--negative", default=15, show_default=True, type=POSITIVE, help="Negative samples per word."
)
@click.option(
    "--sample",
    default=1e-4,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Down-sampling threshold for frequent words (0: none).",
)
@click.option(
    "--epochs", default=6, show_default=True, type=POSITIVE, help="Passes over the corpus."
)
@click.option(
    "--min-count", default=5, show_default=True, type=POSITIVE, help="Ignore rarer words."
)
@click.option(
    "--max-vocab", type=POSITIVE, help="Cap the training vocabulary (gensim max_final_vocab)."
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
    "--seed",
    default=1,
    show_default=True,
    type=click.IntRange(min=0),
    help="Random seed (exact only with 1 worker).",
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


VECTORS_HELP = (
    "Vectors: a seqnlp directory, or a word2vec/GloVe/fastText file (text, binary, .gz, "
    "fastText .bin), read whole each time: `seqnlp vectors import FILE -o DIR` once makes "
    "it open in milliseconds. Default: the vectors shipped with seqnlp."
)
ERRORS_HELP = (
    "Bytes that are not UTF-8 in --input (and in the words of a vectors FILE): stop with "
    "the line number, or replace them with U+FFFD."
)


def vectors_option(command):
    """``--vectors DIR|FILE`` (``--model``/``-m`` still work)."""
    return click.option(
        "--vectors",
        "--model",
        "-m",
        "model",
        type=click.Path(),
        metavar="DIR|FILE",
        help=VECTORS_HELP,
    )(command)


errors_option = click.option(
    "--errors",
    type=click.Choice(["strict", "replace"]),
    default="strict",
    show_default=True,
    help=ERRORS_HELP,
)


def _load(model: str | None, errors: str = "strict"):
    from seqnlp.embeddings import WordVectors

    return WordVectors.load(model, errors=errors)


def _check_input(input_path: str | None) -> None:
    """A missing or directory --input is one line (before the vectors are loaded)."""
    from seqnlp.errors import DataError

    if input_path is None or input_path == "-":
        return
    path = Path(input_path)
    if path.is_dir():
        raise DataError(f"{path}: is a directory, not a file of queries (--input)")
    if not path.exists():  # a named pipe or /dev/stdin is no regular file, and reads
        raise DataError(f"{path}: no such file (--input)")


def _run_queries(args, input_path, errors, arity, name, answer, as_text, as_json):
    """Answer the query on the command line, or one query per line of --input.

    With --input every non-blank line gives one record, in order, with its line number
    and query and either the answer or the error; a failed line does not stop the rest,
    and the exit code is 1 when any failed.
    """
    from seqnlp.corpus import iter_lines
    from seqnlp.errors import SeqnlpError

    def wrong_arity(words):
        s = "s" * (arity > 1)
        return f"{name} takes {arity} word{s}, got {len(words)}: {' '.join(words)}"

    if input_path is None:
        words = list(args)
        if len(words) != arity:
            raise click.UsageError(wrong_arity(words))
        result = answer(*words)
        click.echo(json.dumps({"query": words, **result}) if as_json else as_text(result))
        return
    if args:
        raise click.UsageError(f"give {name} words or --input, not both")
    failed = 0
    for number, line in iter_lines(input_path, errors):
        words = line.split()
        if not words:
            continue
        record: dict = {"line": number, "query": words}
        try:
            if len(words) != arity:
                raise SeqnlpError(wrong_arity(words))
            record.update(answer(*words))
        except SeqnlpError as exc:
            record["error"] = str(exc)
            failed += 1
            click.echo(f"Error: line {number}: {exc}", err=True)
        if as_json:
            click.echo(json.dumps(record))
        else:
            body = f"error: {record['error']}" if "error" in record else as_text(record)
            click.echo(f"# line {number}: {' '.join(words)}\n{body}\n")
    if failed:
        sys.exit(1)


def _ranked(pairs) -> list[dict]:
    return [{"word": w, "score": round(s, 4)} for w, s in pairs]


def _ranked_text(result: dict) -> str:
    return "\n".join(f"{r['word']}\t{r['score']:.4f}" for r in result["results"])


def _subword_note(vectors, words) -> list[str]:
    flagged = [w for w in words if vectors.is_subword_only(w)]
    for word in flagged:
        click.echo(
            f"note: {word!r} is not in the vocabulary; its vector is built from sub-words", err=True
        )
    return flagged


input_option = click.option(
    "--input",
    "-i",
    "input_path",
    metavar="FILE",
    help="Read one query per line from FILE (- for stdin) to answer many in one process; "
    "each answer is labelled with its line (text: a '# line N: query' header per block).",
)
JSON_HELP = (
    "One JSON object per query: 'query' (its words), the answer ({fields}) and 'subword' "
    "(query words that have no vector of their own, built from fastText sub-words); with "
    "--input also 'line', and 'error' instead of the answer for a line that failed."
)


def json_option(fields: str):
    return click.option("--json", "as_json", is_flag=True, help=JSON_HELP.format(fields=fields))


topn_option = click.option(
    "--topn", default=10, show_default=True, type=POSITIVE, help="How many answers."
)
restrict_option = click.option(
    "--restrict",
    type=click.IntRange(min=1),
    help="Only the N most frequent words can be answers (gensim's restrict_vocab): on a "
    "3-million-word table, --restrict 300000 is ten times faster.",
)


@click.command()
@click.argument("word", nargs=-1)
@topn_option
@restrict_option
@click.option(
    "--approximate",
    is_flag=True,
    help="Ask the approximate index built by `seqnlp vectors import --index` instead of "
    "scanning every row (milliseconds on millions of words; recall in its index.json).",
)
@vectors_option
@input_option
@errors_option
@json_option("'results': [{'word', 'score'}], score the cosine")
def similar(word, topn, restrict, approximate, model, input_path, errors, as_json):
    """Nearest neighbours of WORD by cosine similarity.

    \b
      seqnlp similar france
      printf 'king\\nparis\\n' | seqnlp similar --input -
    """
    _check_input(input_path)
    vectors = _load(model, errors)

    def answer(w):
        found = vectors.similar(w, topn, restrict_vocab=restrict, approximate=approximate)
        return {"results": _ranked(found), "subword": _subword_note(vectors, [w])}

    _run_queries(word, input_path, errors, 1, "similar", answer, _ranked_text, as_json)


@click.command()
@click.argument("words", nargs=-1)
@vectors_option
@input_option
@errors_option
@json_option("'cosine' and 'euclidean', the distance of the raw vectors")
def similarity(words, model, input_path, errors, as_json):
    """Cosine similarity and Euclidean distance of two words.

    \b
      seqnlp similarity cat dog
    """
    _check_input(input_path)
    vectors = _load(model, errors)

    def answer(a, b):
        return {
            "cosine": round(vectors.similarity(a, b), 4),
            "euclidean": round(vectors.distance(a, b), 4),
            "subword": _subword_note(vectors, [a, b]),
        }

    def as_text(r):
        return f"cosine\t{r['cosine']:.4f}\neuclidean\t{r['euclidean']:.4f}"

    _run_queries(words, input_path, errors, 2, "similarity", answer, as_text, as_json)


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
@restrict_option
@vectors_option
@input_option
@errors_option
@json_option("'method' and 'results': [{'word', 'score'}]")
def analogy(words, method, topn, restrict, model, input_path, errors, as_json):
    """Solve A - B + C: "king man woman" asks king - man + woman (queen).

    \b
      seqnlp analogy king man woman
      seqnlp analogy paris france italy --method mul --topn 3
      seqnlp analogy --input questions.txt --json
    """
    _check_input(input_path)
    vectors = _load(model, errors)

    def answer(a, b, c):
        found = vectors.analogy(a, b, c, method=method, topn=topn, restrict_vocab=restrict)
        return {
            "method": method,
            "results": _ranked(found),
            "subword": _subword_note(vectors, [a, b, c]),
        }

    _run_queries(words, input_path, errors, 3, "analogy", answer, _ranked_text, as_json)


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
    a progress bar shows on a terminal.
    """
    from seqnlp.embeddings import evaluate

    vectors = _load(model)
    scores = evaluate(vectors, analogies, list(similarities) or None, restrict_vocab, progress=True)
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

    vectors = _load(model)
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
