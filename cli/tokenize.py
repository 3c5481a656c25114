"""``seqnlp tokenize`` and ``seqnlp evaluate-tokenizer``: raw text to EWT tokens, and its score."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable

import click


@click.command("tokenize")
@click.argument("text", nargs=-1)
@click.option(
    "--input",
    "-i",
    "input_path",
    metavar="FILE|-",
    help="Read the text from FILE (plain, .gz, .xz), one paragraph per line; '-' is stdin.",
)
@click.option("--json", "as_json", is_flag=True, help="Print each sentence as a JSON list.")
def tokenize_cmd(text: tuple[str, ...], input_path: str | None, as_json: bool) -> None:
    """Split TEXT into sentences and words, as UD English EWT does.

    Prints one sentence per line, its tokens separated by spaces: "don't" gives
    "do n't", "Mr." and "3.5" stay whole, punctuation is split off.

    \b
    Examples:
      seqnlp tokenize "I can't come, Mr. Smith. It's 10:30 p.m."
      seqnlp tokenize --input article.txt --json
    """
    from seqnlp.tokenize import tokenize

    if text and input_path:
        raise click.UsageError("give TEXT or --input, not both")
    if not text and not input_path:
        if sys.stdin.isatty():
            raise click.UsageError("give TEXT or --input FILE ('-' reads standard input)")
        input_path = "-"
    paragraphs = [" ".join(text)] if text else _read_lines(input_path)
    for paragraph in paragraphs:
        for sentence in tokenize(paragraph):
            click.echo(json.dumps(sentence, ensure_ascii=False) if as_json else " ".join(sentence))


def _read_lines(path: str) -> Iterable[str]:
    from seqnlp.corpus import iter_lines  # "-" is stdin

    return (line for _, line in iter_lines(path))


@click.command("evaluate-tokenizer")
@click.option(
    "--data",
    default="ud-english-ewt",
    show_default=True,
    metavar="NAME|FILE",
    help="A CoNLL-U file with '# text' lines, or a dataset name.",
)
@click.option("--split", default="test", show_default=True, help="Split of a dataset name.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def evaluate_tokenizer_cmd(data: str, split: str, as_json: bool) -> None:
    """Score the tokenizer against gold CoNLL-U words, as the CoNLL 2018 shared task does.

    Each sentence's '# text' is tokenized and its words are matched to the gold
    syntactic words by character span; the texts of each document are joined and
    split into sentences, which are matched the same way.

    \b
    Examples:
      seqnlp evaluate-tokenizer
      seqnlp evaluate-tokenizer --split dev
      seqnlp evaluate-tokenizer --data my-treebank.conllu --json
    """
    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import resolve
    from seqnlp.evaluation import evaluate_tokenizer

    path = resolve(data, split)
    if isinstance(path, list):
        raise click.UsageError(f"{data} has {len(path)} files; give one split or file")
    scores = evaluate_tokenizer(read_conllu(path))
    if as_json:
        click.echo(json.dumps({"data": str(path), **scores}, indent=2))
        return
    sentences, documents = scores["gold_sentences"], scores["documents"]
    click.echo(f"{path}: {sentences:,} sentences in {documents:,} documents")
    for unit in ("word", "sentence"):
        p, r, f = (100 * scores[f"{unit}_{m}"] for m in ("precision", "recall", "f1"))
        counts = f"gold {scores[f'gold_{unit}s']:,}, system {scores[f'system_{unit}s']:,}"
        click.echo(f"{unit + 's':<10} P {p:6.2f}  R {r:6.2f}  F1 {f:6.2f}  ({counts})")
