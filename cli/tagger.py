"""Part-of-speech commands: train-tagger, tag, evaluate-tagger.

Tagging runs on numpy (``seqnlp.tagger.numpy_network``) and never imports torch, so that
``seqnlp tag "I saw a saw"`` answers in well under a second.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import click

from seqnlp.cli.common import (
    check_image,
    check_source,
    config_options,
    errors_option,
    input_progress,
    model_option,
    model_output_options,
    note,
    nothing_read,
    number_option,
    quiet,
    training_options,
)
from seqnlp.serialization import STORAGE_DTYPES
from seqnlp.tagger.formats import FORMATS, TAGSETS
from seqnlp.tagger.recipe import RECIPE

log = logging.getLogger("seqnlp")

TAGGER_HELP = "Tagger directory (default: the tagger shipped with seqnlp)."
BATCH_SIZE = number_option("--batch-size", 256, 1, "Sentences tagged at once.")


@click.command("train-tagger")
@click.option(
    "--train",
    "train_data",
    default=RECIPE.train,
    show_default=True,
    metavar="NAME|FILE",
    callback=check_source,
    help="Training data: a dataset name (its train split) or a CoNLL-U file.",
)
@click.option(
    "--dev",
    metavar="NAME|FILE",
    callback=check_source,
    help="Data that picks the best epoch and stops training early (dev split or a file). "
    f"Default: {RECIPE.dev}'s dev split when training on {RECIPE.train}, else 10 % of "
    "--train held out (seeded by --seed; said in the output and meta.json).",
)
@click.option(
    "--embeddings",
    default=RECIPE.embeddings or "none",
    show_default=True,
    metavar="DIR|FILE|default|none",
    help="Pretrained word vectors to start from: a seqnlp vectors directory, a "
    "word2vec/GloVe/fastText file (text, binary, .gz, fastText .bin; read whole, so "
    "`seqnlp vectors import` big ones first), 'default' (the shipped vectors) or 'none' "
    "(learn from scratch). Wider vectors are reduced to --word-dim by PCA; narrower ones are "
    "an error. The vocabulary takes the training words, then the vectors' most frequent "
    "words up to --max-words.",
)
@config_options(
    RECIPE.config,
    (
        "cell",
        "bidirectional",
        "layers",
        "hidden",
        "word_dim",
        "char_features",
        "char_encoder",
        "freeze_embeddings",
        "dropout",
    ),
    into="config",
)
@training_options(RECIPE.train_config)
@number_option(
    "--max-words",
    RECIPE.max_words,
    3,
    "Word vocabulary size (training words first); most of the model's size.",
)
@click.option(
    "--dtype",
    type=click.Choice(STORAGE_DTYPES),
    default=RECIPE.dtype,
    show_default=True,
    help="Weights on disk: int8 word embedding rows + float16 (see README for the cost).",
)
@click.option(
    "--silver",
    type=click.Path(exists=True, dir_okay=False),
    metavar="FILE",
    help="Uptraining: also learn from this CoNLL-U file of teacher-tagged raw text "
    "(`seqnlp silver`). Never part of the dev set.",
)
@click.option(
    "--silver-sentences",
    type=click.IntRange(min=1),
    metavar="N",
    help="Use a sample of N sentences of --silver (seeded by --seed): the silver/gold mix. "
    " [default: all]",
)
@model_output_options()
def train_tagger(
    train_data,
    dev,
    embeddings,
    config,
    train_config,
    max_words,
    dtype,
    silver,
    silver_sentences,
    output,
    force,
    resume,
    keep_checkpoint,
    progress,
):
    """Train a part-of-speech tagger (UPOS and PTB XPOS) on CoNLL-U data.

    With no options but --output it trains the shipped recipe on UD English EWT:
    the shipped word vectors (PCA-reduced to 128 dimensions) plus 128 character
    n-gram features per word, one bidirectional LSTM layer of 160 units a
    direction, and two output layers (UPOS, XPOS); up to 20 epochs.

    \b
      seqnlp train-tagger --output my-tagger
      seqnlp train-tagger --cell gru --unidirectional --output gru-tagger
      seqnlp train-tagger --train my.conllu --dev my-dev.conllu --embeddings none -o t
      seqnlp train-tagger --silver silver.conllu -o student   # see seqnlp silver --help

    Every epoch prints the dev accuracy; the best model so far is always saved in
    OUTPUT and the last epoch's state in OUTPUT.checkpoint, so Ctrl-C (or SIGTERM)
    leaves a usable tagger, and the same command with --resume carries on.
    """
    from seqnlp.tagger.training import train
    from seqnlp.training.distributed import is_main_process

    def report(record: dict) -> None:
        note(
            f"epoch {record['epoch']:>2}: loss {record['loss']:.4f}  "
            f"dev UPOS {100 * record['upos_accuracy']:.2f}%  "
            f"XPOS {100 * record['xpos_accuracy']:.2f}%  "
            f"({record['speed']:,.0f} tokens/s, {record['seconds']:.0f} s)"
            + ("  best" if record["improved"] else ""),
            err=True,
        )

    tagger, result = train(
        train=train_data,
        output=output,
        config=config,
        train_config=train_config,
        embeddings=None if embeddings.lower() == "none" else embeddings,
        max_words=max_words,
        dtype=dtype,
        resume=resume,
        overwrite=force,
        keep_checkpoint=keep_checkpoint,
        progress=progress and not quiet(),
        on_epoch=report,
        **({} if dev is None else {"dev": dev}),  # left out: the recipe's, or held out
        **({} if silver is None else {"silver": silver}),
        **({} if silver_sentences is None else {"silver_sentences": silver_sentences}),
    )
    if not is_main_process():  # in a torchrun job rank 0 reports
        return
    best = tagger.meta.get("dev", {})
    note(
        f"Saved the epoch {result.best_epoch} tagger to {output}: "
        f"dev UPOS {100 * best.get('upos_accuracy', 0):.2f}%, "
        f"XPOS {100 * best.get('xpos_accuracy', 0):.2f}% "
        f"({result.epochs} epoch{'s' * (result.epochs != 1)}, {result.seconds / 60:.1f} min"
        + (", stopped early" if result.stopped_early else "")
        + ")"
    )


@click.command("tag")
@click.argument("texts", nargs=-1, metavar="[TEXT]...")
@click.option(
    "--input",
    "-i",
    "input_path",
    metavar="FILE|-",
    help="Tag a file (plain, .gz, .xz) line by line, streamed; '-' reads stdin. A .conllu "
    "file is read as CoNLL-U (see --input-format).",
)
@click.option(
    "--input-format",
    type=click.Choice(["auto", "text", "conllu"]),
    default="auto",
    show_default=True,
    help="conllu: tag the words of column 2 as they are (no tokenizer), and by default "
    "write the file back with UPOS and XPOS filled, every other column and comment kept. "
    "auto: conllu for a FILE named *.conllu or *.conll (also .gz, .xz), else text.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    help="text: word/TAG; conllu: CoNLL-U (UPOS column 4, XPOS 5); json: one object a "
    "line, with each token's start/end in its input line and each tag's probability. "
    "Default: conllu for CoNLL-U input, else text.",
)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option(
    "--top-k",
    type=click.IntRange(min=1),
    help="With --format json: also each token's K likeliest tags with their probabilities "
    "(upos_top, xpos_top).",
)
@click.option(
    "--tagset",
    type=click.Choice(TAGSETS),
    help="Universal tags (NOUN), Penn Treebank tags (NN), or both (word/NOUN/NN). "
    "Default: upos for text, both for conllu and json.",
)
@click.option(
    "--pretokenized",
    is_flag=True,
    help="Each line is one sentence of space-separated tokens (no tokenizer).",
)
@BATCH_SIZE
@errors_option()
@model_option(TAGGER_HELP)
def tag(
    texts,
    input_path,
    input_format,
    fmt,
    as_json,
    top_k,
    tagset,
    pretokenized,
    batch_size,
    errors,
    model,
):
    """Tag the part of speech of every word.

    Raw text is split into sentences and tokens (UD English EWT conventions); one
    output line (or CoNLL-U block, or JSON object) per sentence, in input order.

    \b
      seqnlp tag "I saw a saw"                    I/PRON saw/VERB a/DET saw/NOUN
      seqnlp tag --tagset both "She saw it."      She/PRON/PRP saw/VERB/VBD it/PRON/PRP ./PUNCT/.
      seqnlp tag --input book.txt --format conllu > book.conllu
      seqnlp tag --input treebank.conllu > tagged.conllu
      cat tweets.txt | seqnlp tag -i - --json --top-k 3
      seqnlp tag --pretokenized "I ca n't go"

    Files are read line by line and tagged in batches, so a file of any size runs in
    constant memory.
    """
    implicit = not texts and input_path is None  # reading stdin: nothing else was given
    if implicit:
        if sys.stdin.isatty():
            raise click.UsageError("give TEXT to tag, or --input FILE ('-' for stdin)")
        input_path = "-"  # printf 'I saw a saw' | seqnlp tag
    from seqnlp.tagger.conllu_files import filled, is_conllu, read_blocks, tag_blocks

    conllu_in = input_format == "conllu" or (
        input_format == "auto" and input_path not in (None, "-") and is_conllu(input_path)
    )
    if as_json and fmt not in (None, "json"):
        raise click.UsageError(f"--json is --format json: give one of them, not --format {fmt}")
    fmt = "json" if as_json else fmt or ("conllu" if conllu_in else "text")
    if top_k and fmt != "json":
        raise click.UsageError("--top-k needs --format json")
    if conllu_in and (texts or pretokenized):
        raise click.UsageError(
            "CoNLL-U input is tagged as its words stand: give no TEXT and no --pretokenized"
        )
    if texts and not any(t.strip() for t in texts) and input_path is None:
        raise click.ClickException("nothing to tag: the text is empty")
    tagset = tagset or ("upos" if fmt == "text" else "both")
    from seqnlp.corpus import iter_lines
    from seqnlp.tagger.formats import format_sentence, tag_lines
    from seqnlp.tagger.model import Tagger

    tagger = Tagger.load(model)
    options = {"batch_size": batch_size, "top_k": (top_k or 0) if fmt == "json" else None}

    def lines():
        yield from enumerate(texts, start=1)
        if input_path is not None:
            yield from input_progress(iter_lines(input_path, errors), input_path, "lines")

    def sentences():  # (SentenceTags, its CoNLL-U block or None)
        if conllu_in:
            for block, sentence in tag_blocks(tagger, read_blocks(input_path, errors), **options):
                yield sentence, block
        else:
            for sentence in tag_lines(tagger, lines(), pretokenized=pretokenized, **options):
                yield sentence, None

    out = sys.stdout
    start, tokens, sent_id = time.perf_counter(), 0, 0
    for sent_id, (sentence, block) in enumerate(sentences(), start=1):
        if block is not None and fmt == "conllu":
            out.write(filled(block, sentence.upos, sentence.xpos, tagset))
        else:
            out.write(format_sentence(sentence, fmt, tagset, sent_id))
        out.write("\n")
        tokens += len(sentence.tokens)
    out.flush()
    if implicit and not sent_id:
        raise nothing_read("tag")
    seconds = time.perf_counter() - start
    log.info("tagged %d sentences, %d tokens in %.2f s", sent_id, tokens, seconds)


@click.command("evaluate-tagger")
@click.option(
    "--data",
    default="ud-english-ewt",
    show_default=True,
    metavar="NAME|FILE",
    help="Gold CoNLL-U: a dataset name (its test split) or a file.",
)
@model_option(TAGGER_HELP)
@click.option(
    "--raw-text/--no-raw-text",
    default=True,
    show_default=True,
    help="Also tag each sentence's '# text' from scratch (tokenizer + tagger).",
)
@click.option("--json", "as_json", is_flag=True, help="Print every score as JSON.")
@click.option(
    "--confusion",
    type=click.Path(dir_okay=False),
    callback=check_image,
    metavar="FILE.png",
    help="Draw the UPOS confusion matrix (gold tokens) to this image.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    metavar="FILE.conllu",
    help="Also write the data with the predicted UPOS and XPOS (on gold tokens), every "
    "other column and comment kept, for other CoNLL-U tools.",
)
@BATCH_SIZE
@errors_option()
def evaluate_tagger(data, model, raw_text, as_json, confusion, output, batch_size, errors):
    """Score a tagger on gold CoNLL-U data.

    On gold tokens: UPOS and XPOS accuracy, accuracy on words not seen in training,
    per-tag precision/recall/F1. From raw text ('# text' lines through the tokenizer
    and the tagger): words aligned to the gold words by character span, as in the
    CoNLL 2018 shared task, give the UPOS F1 (raw_text.upos_f1 in --json).

    \b
      seqnlp evaluate-tagger                          # shipped tagger, EWT test
      seqnlp evaluate-tagger --data other.conllu --model my-tagger --json
      seqnlp evaluate-tagger --confusion upos.png
      seqnlp evaluate-tagger --data test.conllu --output predicted.conllu
    """
    import json

    from seqnlp.tagger.evaluation import evaluate_tagger as run
    from seqnlp.tagger.model import Tagger

    tagger = Tagger.load(model)
    scores = run(
        tagger, data, batch_size=batch_size, raw_text=raw_text, errors=errors, output=output
    )
    if confusion:
        from seqnlp.plotting import plot_confusion

        matrix = scores["upos"]["confusion"]
        plot_confusion(
            matrix["matrix"],
            matrix["labels"],
            confusion,
            title=f"UPOS confusion, {os.path.basename(scores['data'])}",
        )
    if as_json:
        click.echo(json.dumps(scores, indent=2, ensure_ascii=False))
        return
    click.echo(_format_scores(scores))
    if confusion:
        click.echo(f"Confusion matrix written to {confusion}")
    if output:
        click.echo(f"Predicted tags written to {output}")


def _format_scores(s: dict) -> str:
    lines = [
        f"{s['data']}: {s['sentences']:,} sentences, {s['tokens']:,} tokens",
        f"gold tokens:  UPOS {100 * s['upos_accuracy']:.2f}%   "
        f"XPOS {100 * s['xpos_accuracy']:.2f}%",
        f"unseen words ({s['oov_tokens']:,} tokens): UPOS {100 * s['oov_upos_accuracy']:.2f}%   "
        f"XPOS {100 * s['oov_xpos_accuracy']:.2f}%",
    ]
    raw = s.get("raw_text")
    if raw:
        lines.append(
            f"raw text:     UPOS F1 {100 * raw['upos_f1']:.2f}%   "
            f"XPOS F1 {100 * raw['xpos_f1']:.2f}%"
            f"   (tokenizer word F1 {100 * raw['word_f1']:.2f}%)"
        )
    lines.append(f"UPOS macro F1 {100 * s['upos']['macro_f1']:.2f}%")
    lines.append(f"{'tag':<7}{'precision':>10}{'recall':>8}{'F1':>8}{'gold':>8}")
    for tag_name, row in s["upos"]["per_tag"].items():
        if row["support"] or row["precision"]:
            lines.append(
                f"{tag_name:<7}{100 * row['precision']:>10.2f}{100 * row['recall']:>8.2f}"
                f"{100 * row['f1']:>8.2f}{row['support']:>8,}"
            )
    return "\n".join(lines)
