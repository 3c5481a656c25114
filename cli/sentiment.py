"""Sentiment commands that use a classifier: sentiment, evaluate-sentiment; and the
labelled-data options they share with train-sentiment (:mod:`seqnlp.cli.train_sentiment`).

Only click and the standard library are imported here; the library is imported inside the
command bodies.
"""

from __future__ import annotations

import collections
import json
import sys

import click

from seqnlp.cli.common import (
    check_image,
    errors_option,
    input_progress,
    model_option,
    nothing_read,
)
from seqnlp.sentiment.data import FORMATS

MODEL_HELP = "Classifier directory (default: the sentiment model shipped with seqnlp)."
SOURCE_HELP = "A file, or a dataset NAME[:SPLIT] (e.g. sst2:phrases)."


def format_options(func):
    """--format, --text-column, --label-column and --errors, shared by the data commands."""
    options = [
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            help="sst: '<label> <sentence>' lines; glue: headed TSV (sentence, label); "
            "tsv/csv: headed, columns by name. Default: from the dataset or file suffix.",
        ),
        click.option(
            "--text-column", default="sentence", show_default=True, help="tsv/csv text column."
        ),
        click.option(
            "--label-column", default="label", show_default=True, help="tsv/csv label column."
        ),
        errors_option("the data"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _read(spec: str, split: str, fmt, text_column, label_column, errors):
    from seqnlp.sentiment.data import read_source

    return read_source(
        spec, split, format=fmt, text_column=text_column, label_column=label_column, errors=errors
    )


@click.command("sentiment")
@click.argument("texts", nargs=-1)
@click.option(
    "--input",
    "-i",
    "input_path",
    metavar="FILE|-",
    help="Classify each non-blank line of FILE ('-' reads stdin), streaming.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per text, per line.")
@model_option(MODEL_HELP)
@click.option("--batch-size", default=256, show_default=True, type=click.IntRange(min=1))
@errors_option()
def sentiment(texts, input_path, as_json, model, batch_size, errors):
    """Label each TEXT (or each line of --input) with its sentiment and probability.

    Text is raw: it is tokenised and normalised as the training data was, so
    "It wasn't GOOD." reads as SST's "it was n't good .".

    \b
      seqnlp sentiment "a gripping, funny film" "not good at all"
      seqnlp sentiment --input reviews.txt --json
    """
    from seqnlp.corpus import iter_lines
    from seqnlp.errors import DataError
    from seqnlp.sentiment.model import SentimentClassifier

    if texts and input_path:
        raise click.UsageError("give TEXT arguments or --input, not both")
    implicit = not texts and not input_path  # reading stdin because nothing else was given
    if implicit:
        if sys.stdin.isatty():
            raise click.UsageError("give TEXT arguments or --input FILE (or '-' for stdin)")
        input_path = "-"
    for number, text in enumerate(texts, start=1):
        if not text.strip():
            raise DataError(f"text {number} is empty")
    classifier = SentimentClassifier.load(model)
    items = (
        enumerate(texts, start=1)
        if texts
        else input_progress(iter_lines(input_path, errors=errors), input_path, "lines")
    )
    numbers: collections.deque[int] = collections.deque()  # the line of each text in flight

    def stream():
        for number, text in items:
            if text.strip():
                numbers.append(number)
                yield text

    line = None
    for text, prediction in classifier.predict_stream(stream(), batch_size):
        line = numbers.popleft()
        if as_json:
            record = {"line": line, "text": text, **prediction.to_dict()}
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"{prediction.label}\t{prediction.probability:.3f}\t{text}")
    if implicit and line is None:
        raise nothing_read("sentiment")


@click.command("evaluate-sentiment")
@click.option(
    "--data",
    default="sst2:test",
    show_default=True,
    metavar="NAME|FILE|checklist",
    help=SOURCE_HELP + " 'checklist' is the shipped negation and contrast check list; a TSV "
    "with a 'category' column (sentence, label, category) is scored per category.",
)
@format_options
@model_option(MODEL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--confusion",
    type=click.Path(dir_okay=False),
    callback=check_image,
    metavar="FILE.png",
    help="Draw the confusion matrix into this image.",
)
@click.option(
    "--calibration",
    type=click.Path(dir_okay=False),
    callback=check_image,
    metavar="FILE.png",
    help="Draw the reliability diagram (accuracy per confidence bin, with the ECE).",
)
def evaluate_sentiment(
    data, fmt, text_column, label_column, errors, model, as_json, confusion, calibration
):
    """Score a classifier on labelled data: accuracy, per-class P/R/F1, macro F1 and macro
    recall (SemEval-2017's metric for three classes), and how well its probabilities are
    calibrated (expected calibration error, 15 bins).

    \b
      seqnlp evaluate-sentiment
      seqnlp evaluate-sentiment --data checklist            # per category
      seqnlp evaluate-sentiment --data sst2:dev --json --confusion dev.png
      seqnlp evaluate-sentiment --calibration reliability.png
    """
    from seqnlp.corpus import LabeledText
    from seqnlp.sentiment.checklist import has_categories, read_checklist
    from seqnlp.sentiment.model import SentimentClassifier

    classifier = SentimentClassifier.load(model)
    categories = None
    if data == "checklist" or has_categories(data):
        items = read_checklist(None if data == "checklist" else data)
        examples = [LabeledText(item.text, item.label) for item in items]
        categories = [item.category for item in items]
    else:
        examples = _read(data, "test", fmt, text_column, label_column, errors)
    scores = classifier.evaluate(examples, categories=categories)
    scores["data"] = data
    if confusion:
        from seqnlp.plotting import plot_confusion

        plot_confusion(
            scores["confusion"], scores["labels"], confusion, title=f"sentiment on {data}"
        )
    if calibration:
        from seqnlp.plotting import plot_reliability

        ece = scores["calibration"]["ece"]
        plot_reliability(scores["calibration"]["bins"], ece, calibration, title=f"{data}")
    if as_json:
        click.echo(json.dumps(scores, indent=2, ensure_ascii=False))
        return
    click.echo(f"{data}: {scores['n']} texts")
    click.echo(f"accuracy  {scores['accuracy']:.4f}")
    click.echo(f"macro F1  {scores['macro_f1']:.4f}")
    # SemEval-2017 Task 4A's own metric: the mean recall of the classes, whatever their sizes
    click.echo(f"macro R   {scores['macro_recall']:.4f}  (mean recall of the labels)")
    click.echo(f"ECE       {scores['calibration']['ece']:.4f}  (expected calibration error)")
    click.echo("")
    width = max(len(label) for label in [*scores["labels"], "label"])
    click.echo(f"{'label':<{width}}  precision  recall  f1      support")
    for label in scores["labels"]:
        row = scores["per_label"][label]
        click.echo(
            f"{label:<{width}}  {row['precision']:.4f}     {row['recall']:.4f}  "
            f"{row['f1']:.4f}  {row['support']}"
        )
    if categories is not None:
        rows = scores["categories"]["categories"]
        width = max(len(name) for name in [*rows, "category"])
        click.echo("")
        click.echo(f"{'category':<{width}}  accuracy  right  of")
        for name, row in rows.items():
            click.echo(f"{name:<{width}}  {row['accuracy']:8.1%}  {row['correct']:>5}  {row['n']}")
