"""Word-vector queries: similar, similarity, analogy, doesnt-match, n-similarity.

One set of shared options (--vectors, --input, --json, --errors) and one batch loop: each
command parses a query from its arguments or from a line of --input, and answers it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from seqnlp.cli.common import errors_option

VECTORS_HELP = (
    "Vectors: a seqnlp directory, or a word2vec/GloVe/fastText file (text, binary, .gz, "
    "fastText .bin), read whole each time: `seqnlp vectors import FILE -o DIR` once makes "
    "it open in milliseconds. Default: the vectors shipped with seqnlp."
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


query_errors = errors_option("--input and in the words of a vectors FILE")


def load_vectors(model: str | None, errors: str = "strict"):
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


def words_between(name: str, least: int, most: int | None = None) -> Callable[[list], list]:
    """A parser of a query of ``least`` to ``most`` (None: any number of) words."""
    from seqnlp.errors import SeqnlpError

    def parse(words: list[str]) -> list[str]:
        if least <= len(words) <= (most or len(words)):
            return words
        wanted = f"{least}" if most == least else f"{least} or more"
        s = "s" * (least > 1 or most != least)
        raise SeqnlpError(f"{name} takes {wanted} word{s}, got {len(words)}: {' '.join(words)}")

    return parse


def _run_queries(args, input_path, errors, name, parse, answer, as_text, as_json, split=str.split):
    """Answer the query on the command line, or one query per line of --input.

    ``parse(items)`` makes the query (what the JSON's 'query' shows) from the arguments,
    or from a line cut by ``split``; ``answer(query)`` gives the answer's fields. With
    --input every non-blank line gives one record, in order, with its line number and
    query and either the answer or the error; a failed line does not stop the rest, and
    the exit code is 1 when any failed.
    """
    from seqnlp.corpus import iter_lines
    from seqnlp.errors import SeqnlpError

    if input_path is None:
        try:
            query = parse(list(args))
        except SeqnlpError as exc:
            raise click.UsageError(str(exc)) from None
        result = answer(query)
        click.echo(json.dumps({"query": query, **result}) if as_json else as_text(result))
        return
    if args:
        raise click.UsageError(f"give {name} words or --input, not both")
    failed = 0
    for number, line in iter_lines(input_path, errors):
        if not line.strip():
            continue
        record: dict = {"line": number, "query": line.split()}
        try:
            record["query"] = parse(split(line))
            record.update(answer(record["query"]))
        except SeqnlpError as exc:
            record["error"] = str(exc)
            failed += 1
            click.echo(f"Error: line {number}: {exc}", err=True)
        if as_json:
            click.echo(json.dumps(record))
        else:
            body = f"error: {record['error']}" if "error" in record else as_text(record)
            click.echo(f"# line {number}: {' '.join(line.split())}\n{body}\n")
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
    "--topn", default=10, show_default=True, type=click.IntRange(min=1), help="How many answers."
)
restrict_option = click.option(
    "--restrict",
    type=click.IntRange(min=1),
    help="Only the N most frequent words can be answers (gensim's restrict_vocab): on a "
    "3-million-word table, --restrict 300000 is ten times faster.",
)
method_option = click.option(
    "--method",
    type=click.Choice(["add", "mul"]),
    default="add",
    show_default=True,
    help="add = 3CosAdd (gensim most_similar); mul = 3CosMul (most_similar_cosmul, "
    "Levy & Goldberg 2014).",
)
negative_option = click.option(
    "--negative",
    "-n",
    "negatives",
    multiple=True,
    metavar="WORD",
    help="A word whose direction is taken away (gensim's negative); repeatable. In --input "
    "lines, write it -WORD.",
)


def _split_signs(words: list[str], negatives: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Positive words, and the negative ones: ``negatives`` and any written ``-WORD``."""
    positive = [w for w in words if not (len(w) > 1 and w.startswith("-"))]
    return positive, [*negatives, *(w[1:] for w in words if len(w) > 1 and w.startswith("-"))]


@click.command()
@click.argument("word", nargs=-1)
@negative_option
@method_option
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
@query_errors
@json_option("'results': [{'word', 'score'}], score the cosine; 'negative' when given")
def similar(
    word, negatives, method, topn, restrict, approximate, model, input_path, errors, as_json
):
    """Nearest neighbours of WORD by cosine similarity; of several words, of their mean.

    \b
      seqnlp similar france
      seqnlp similar king woman --negative man       (gensim's most_similar)
      printf 'king\\nparis\\nking woman -man\\n' | seqnlp similar --input -
    """
    if approximate and method != "add":
        raise click.UsageError("--approximate ranks by cosine: use it with --method add")
    _check_input(input_path)
    vectors = load_vectors(model, errors)

    def answer(words):
        positive, negative = _split_signs(words, negatives)
        if approximate:
            found = vectors.similar(positive, topn, restrict, True, negative=negative)
        else:
            found = vectors.most_similar(positive, negative, topn, method, restrict)
        result = {"results": _ranked(found), "subword": _subword_note(vectors, words)}
        return {**result, "negative": negative} if negative else result

    parse = words_between("similar", 0 if negatives else 1)
    _run_queries(word, input_path, errors, "similar", parse, answer, _ranked_text, as_json)


@click.command()
@click.argument("words", nargs=-1)
@vectors_option
@input_option
@query_errors
@json_option("'cosine' and 'euclidean', the distance of the raw vectors")
def similarity(words, model, input_path, errors, as_json):
    """Cosine similarity and Euclidean distance of two words.

    \b
      seqnlp similarity cat dog
    """
    _check_input(input_path)
    vectors = load_vectors(model, errors)

    def answer(query):
        a, b = query
        return {
            "cosine": round(vectors.similarity(a, b), 4),
            "euclidean": round(vectors.distance(a, b), 4),
            "subword": _subword_note(vectors, [a, b]),
        }

    def as_text(r):
        return f"cosine\t{r['cosine']:.4f}\neuclidean\t{r['euclidean']:.4f}"

    parse = words_between("similarity", 2, 2)
    _run_queries(words, input_path, errors, "similarity", parse, answer, as_text, as_json)


@click.command()
@click.argument("words", nargs=-1)
@method_option
@topn_option
@restrict_option
@vectors_option
@input_option
@query_errors
@json_option("'method' and 'results': [{'word', 'score'}]")
def analogy(words, method, topn, restrict, model, input_path, errors, as_json):
    """Solve A - B + C: "king man woman" asks king - man + woman (queen).

    More words than three: `seqnlp similar A C --negative B` is the same query, with
    any number of positive and negative words.

    \b
      seqnlp analogy king man woman
      seqnlp analogy berlin germany france --method mul --topn 3
      seqnlp analogy --input questions.txt --json
    """
    _check_input(input_path)
    vectors = load_vectors(model, errors)

    def answer(query):
        a, b, c = query
        found = vectors.analogy(a, b, c, method=method, topn=topn, restrict_vocab=restrict)
        return {
            "method": method,
            "results": _ranked(found),
            "subword": _subword_note(vectors, query),
        }

    parse = words_between("analogy", 3, 3)
    _run_queries(words, input_path, errors, "analogy", parse, answer, _ranked_text, as_json)


@click.command("doesnt-match")
@click.argument("words", nargs=-1)
@vectors_option
@input_option
@query_errors
@json_option("'answer', the word that does not belong")
def doesnt_match(words, model, input_path, errors, as_json):
    """The word that does not belong with the others (gensim's doesnt_match): the one
    furthest from the mean direction of all.

    \b
      seqnlp doesnt-match breakfast cereal dinner lunch
      seqnlp doesnt-match --input lists.txt --json
    """
    _check_input(input_path)
    vectors = load_vectors(model, errors)

    def answer(query):
        return {"answer": vectors.doesnt_match(query), "subword": _subword_note(vectors, query)}

    parse = words_between("doesnt-match", 2)
    _run_queries(
        words, input_path, errors, "doesnt-match", parse, answer, lambda r: r["answer"], as_json
    )


@click.command("n-similarity")
@click.argument("sets", nargs=-1, metavar="'WORDS' 'WORDS'")
@vectors_option
@input_option
@query_errors
@json_option("'cosine'; 'query' holds the two sets")
def n_similarity(sets, model, input_path, errors, as_json):
    """Cosine similarity of two sets of words (gensim's n_similarity): of the means of
    their vectors. Each set is one argument; in --input lines a tab separates them.

    \b
      seqnlp n-similarity "sushi shop" "japanese restaurant"
      printf 'sushi shop\\tjapanese restaurant\\n' | seqnlp n-similarity --input -
    """
    from seqnlp.errors import SeqnlpError

    _check_input(input_path)
    vectors = load_vectors(model, errors)

    def parse(sets: list[str]) -> list[list[str]]:
        query = [s.split() for s in sets]
        if len(query) != 2 or not all(query):
            shown = " | ".join(sets)
            raise SeqnlpError(f"n-similarity takes two sets of words, got {len(sets)}: {shown}")
        return query

    def answer(query):
        a, b = query
        return {
            "cosine": round(vectors.n_similarity(a, b), 4),
            "subword": _subword_note(vectors, a + b),
        }

    _run_queries(
        sets, input_path, errors, "n-similarity", parse, answer,
        lambda r: f"{r['cosine']:.4f}", as_json, split=lambda line: line.split("\t"),
    )  # fmt: skip
