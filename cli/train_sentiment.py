"""The train-sentiment command: a sentence classifier trained from a shipped model's recipe or
a user's data, each option with the help that teaches it.

Only click and the standard library are imported here; the library and torch are imported
inside the command body.
"""

from __future__ import annotations

import dataclasses

import click

from seqnlp.cli.common import (
    check_source,
    config_options,
    given,
    model_output_options,
    note,
    onto,
    quiet,
    training_options,
)
from seqnlp.cli.sentiment import SOURCE_HELP, format_options
from seqnlp.sentiment.recipe import RECIPE, RECIPES
from seqnlp.serialization import STORAGE_DTYPES


def _samples(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]):
    """--sample SOURCE=N, repeatable: a dict, or None when not given."""
    samples = {}
    for value in values:
        source, sep, count = value.rpartition("=")
        if not sep or not source or not count.isdigit() or int(count) < 1:
            raise click.BadParameter(f"{value!r}: expected SOURCE=N with N >= 1")
        samples[source] = int(count)
    return samples or None


def _recipe_help() -> str:
    augmented = ", ".join(
        f"{r.augmentation.n:,} for {name}" for name, r in RECIPES.items() if r.augmentation
    )
    return (
        "The shipped model whose recipe to train: sentiment (two classes, film to tweets), "
        "sentiment-film (SST-2 only) or sentiment-3 (negative, neutral, positive: tweets and "
        "financial news). The options given change it; those left out take its values (the "
        f"defaults shown are sentiment's; --augment: {augmented})."
    )


@click.command("train-sentiment")
@click.option(
    "--recipe",
    "recipe_name",
    type=click.Choice(tuple(RECIPES)),
    default="sentiment",
    show_default=True,
    help=_recipe_help(),
)
@click.option(
    "--train",
    "train_sources",
    multiple=True,
    default=RECIPE.train,
    show_default=True,
    metavar="NAME|FILE",
    callback=check_source,
    help=SOURCE_HELP + " Repeatable; repeated texts are kept once.",
)
@click.option(
    "--dev",
    metavar="NAME|FILE",
    callback=check_source,
    help=SOURCE_HELP + " Default: the recipe's dev sets when training on its data, else 10 % "
    "of --train held out (seeded by --seed; said in the output and meta.json).",
)
@click.option(
    "--test",
    default=None,
    metavar="NAME|FILE",
    help="Scored once at the end (default: the recipe's test set when training on its data, "
    "sst2:test when training on sst2; 'none' skips).",
)
@click.option(
    "--labels",
    metavar="LABEL,LABEL,...",
    callback=lambda ctx, param, value: (
        tuple(v.strip() for v in value.split(",")) if value else None
    ),
    help="Keep only texts with these labels, e.g. 'negative,positive' from three-class data. "
    "Default: the recipe's with its training data (negative,positive for sentiment), else "
    "every label.",
)
@click.option(
    "--sample",
    multiple=True,
    metavar="SOURCE=N",
    callback=_samples,
    help="Train the networks on at most N texts of SOURCE (a seeded sample; the vocabulary "
    "and the n-gram part still read every text), so that one large source does not drown "
    "the others; repeatable, e.g. --sample yelp:train=30000. Default: the recipe's samples "
    "with its training data, else none.",
)
@format_options
@click.option(
    "--embeddings",
    metavar="DIR|FILE|default|none",
    help="Initial word vectors: a seqnlp vectors directory, a word2vec/GloVe/fastText file "
    "(text, binary, .gz, fastText .bin), 'default' (the shipped ones) or 'none' (random). "
    "The word embedding takes the vectors' dimension; only the training words' rows are read. "
    "[default: the recipe's vectors, trained once into the cache (about 10 minutes) on "
    "Wikipedia and the registered sets' training texts; the shipped ones for your own data]",
)
@click.option(
    "--pretrained-words",
    default=RECIPE.pretrained_words or 0,
    show_default=True,
    type=click.IntRange(min=0),
    help="After training, add this many words of --embeddings that the training data lacks "
    "(most frequent first), each read through its vector: the model then knows 'laptop' "
    "though it trained on film reviews. 0: none. Default: the recipe's.",
)
@config_options(
    RECIPE.config,
    (
        "cell",
        "pooling",
        "bidirectional",
        "layers",
        "hidden",
        "dropout",
        "embedding_dropout",
        "freeze_embeddings",
        "members",
        "ngram_weight",
        "ngram_negation",
    ),
    into="config",
)
@click.option(
    "--ngram-weights",
    metavar="W,W,...|none",
    help="Choose the n-gram share among these on dev after training (epochs are chosen on "
    "the networks alone); 'none' uses the fixed --ngram-weight throughout. Default: the "
    "recipe's ("
    + ",".join(f"{w:g}" for w in RECIPE.ngram_weights or ())
    + " for sentiment) with its training data, else none.",
)
@click.option(
    "--augment",
    type=click.IntRange(min=0),
    help="Negation and contrast examples built from the training data by templates ('not "
    "good', 'dull, but moving') and added to it; 0: none. Default: the recipe's with its "
    "training data, else none.",
)
@training_options(RECIPE.train_config, small_data=True)
@click.option(
    "--label-names",
    metavar="NAME,NAME,...",
    help="Names for the labels in sorted order (default for SST-2: negative,positive).",
)
@click.option(
    "--dtype",
    type=click.Choice(STORAGE_DTYPES),
    default=RECIPE.dtype,
    show_default=True,
    help="Storage of the word embeddings, most of the file (int8: one scale per row).",
)
@model_output_options(default="sentiment-model")
def train_sentiment(
    recipe_name,
    train_sources,
    dev,
    test,
    labels,
    sample,
    fmt,
    text_column,
    label_column,
    errors,
    embeddings,
    pretrained_words,
    config,
    ngram_weights,
    augment,
    train_config,
    label_names,
    dtype,
    output,
    force,
    resume,
    keep_checkpoint,
    progress,
):
    """Train a recurrent sentence classifier; prints dev and test accuracy at the end.

    With no options it trains the shipped model's recipe from SEQNLP_DATA_DIR: SST-2 and the
    review, tweet and news sets (large ones sampled) plus negation and contrast
    examples, their dev sets picking the best epoch, word vectors of Wikipedia and
    those sets' texts; a BiGRU with attention pooling whose probabilities are mixed
    with a TF-IDF 1-2-gram logistic regression at the share that scores best on dev.
    About 15 minutes on 2 idle cores (10 more the first time, for the vectors).
    --recipe trains another shipped model's recipe (sentiment-3: about 5 minutes). Your own
    data keeps the recipe's network and schedule, with the shipped vectors:

    \b
      seqnlp train-sentiment --output my-model
      seqnlp train-sentiment --recipe sentiment-3 --seed 2 --output my-three-class
      seqnlp train-sentiment --train reviews.csv --dev dev.csv --text-column review \\
          --label-column stars --cell lstm --pooling attention --output stars-model
    """
    from seqnlp.sentiment.training import train
    from seqnlp.training.distributed import is_main_process

    recipe = RECIPES[recipe_name]
    # an option left out is left to the recipe: its value with its data, else none
    as_given = {
        "train": ("train_sources", train_sources),
        "dev": ("dev", dev),
        "labels": ("labels", labels),
        "sample": ("sample", sample),
        "pretrained_words": ("pretrained_words", pretrained_words),
        "dtype": ("dtype", dtype),
    }
    changes = {field: value for field, (name, value) in as_given.items() if given(name)}
    if test is not None:
        changes["test"] = None if test == "none" else test
    if embeddings is not None:
        changes["embeddings"] = None if embeddings == "none" else embeddings
    if augment is not None:
        changes["augmentation"] = (
            dataclasses.replace(recipe.augmentation or RECIPE.augmentation, n=augment)
            if augment
            else None
        )
    if ngram_weights is not None:
        changes["ngram_weights"] = _weights(ngram_weights)
    classifier, _ = train(
        recipe,
        config=onto(recipe.config, config),
        train_config=onto(recipe.train_config, train_config),
        output=output,
        label_names=[n.strip() for n in label_names.split(",")] if label_names else None,
        overwrite=force,
        resume=resume,
        keep_checkpoint=keep_checkpoint,
        progress=progress and not quiet(),
        on_epoch=report_epoch,
        format=fmt,
        text_column=text_column,
        label_column=label_column,
        errors=errors,
        **changes,
    )
    if not is_main_process():  # in a torchrun job rank 0 reports
        return
    meta = classifier.meta
    lines = [
        f"model saved to {output} ({_epochs(meta.get('runs', []))}, "
        f"{meta.get('train_seconds', 0) / 60:.1f} min)",
        f"dev accuracy  {meta['dev']['accuracy']:.4f}",
    ]
    if "test" in meta:
        lines.append(f"test accuracy {meta['test']['accuracy']:.4f}")
    note("\n".join(lines))


def report_epoch(record: dict) -> None:
    """One line per epoch on stderr, as train-tagger prints: the run is not silent."""
    note(
        f"epoch {record['epoch']:>2}: loss {record['loss']:.4f}  "
        f"dev accuracy {100 * record['accuracy']:.2f}%  "
        f"({record['speed']:,.0f} texts/s, {record['seconds']:.0f} s)"
        + ("  best" if record["improved"] else ""),
        err=True,
    )


def _weights(spec: str) -> list[float] | None:
    if spec.strip().lower() == "none":
        return None
    try:
        weights = [float(w) for w in spec.split(",")]
    except ValueError:
        raise click.BadParameter(f"{spec!r}: numbers separated by commas, or 'none'") from None
    if not all(0 <= w < 1 for w in weights):
        raise click.BadParameter(f"{spec!r}: each share must be in [0, 1)")
    return weights


def _epochs(runs: list[dict]) -> str:
    """ "best epoch 4 of 6" per trained network, each named in an ensemble."""
    done = [r for r in runs if "best_epoch" in r]
    said = [f"best epoch {r['best_epoch']} of {r['epochs']}" for r in done]
    if len(runs) > 1:
        said = [f"network {r['member'] + 1}: {s}" for r, s in zip(done, said, strict=True)]
    return "; ".join(said) or "resumed"
