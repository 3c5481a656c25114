"""``seqnlp silver``: raw text tagged by teacher taggers, for ``train-tagger --silver``."""

from __future__ import annotations

import click

from seqnlp.cli.common import model_option, note, number_option, show_progress


@click.command("silver")
@model_option(
    "A tagger directory, or `tagger` for the shipped one; repeat it for an ensemble that "
    "averages their probabilities (default: the shipped tagger alone).",
    "--teacher",
    "-t",
    "teachers",
    multiple=True,
)
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    required=True,
    metavar="NAME|PATH",
    help="Raw text: a file (one text a line; plain, WikiExtractor, .gz, .xz), a registered "
    "corpus or one of its files (enwiki-2015:part1), or the texts of a sentiment dataset's "
    "split (yelp:train); repeatable.",
)
@number_option("--words", 200_000, 1, "Most words kept from each --corpus.")
@number_option(
    "--min-prob",
    0.95,
    0.0,
    "Keep a token's tags when its UPOS and XPOS both have at least this probability "
    "(with several teachers, their average: a high value also asks them to agree); the "
    "student reads the others as context only.",
    max=1.0,
)
@number_option(
    "--min-share",
    0.8,
    0.0,
    "Keep a sentence when at least this share of its tokens keep their tags.",
    max=1.0,
)
@click.option(
    "--output", "-o", required=True, type=click.Path(dir_okay=False), help="CoNLL-U file to write."
)
@click.option("--force", is_flag=True, help="Replace an existing --output.")
def silver(teachers, corpora, words, min_prob, min_share, output, force):
    """Tag raw text with one or more teacher taggers and keep the tags they are
    sure of, as CoNLL-U (the others written `_`): silver data that a smaller, faster
    tagger learns from beside the gold treebank (uptraining; `train-tagger --silver`).

    Text is split into sentences and tokenised as `seqnlp tag` does it.

    \b
      seqnlp train-tagger --layers 2 --hidden 256 -o big1    # teachers
      seqnlp train-tagger --layers 2 --hidden 256 --seed 2 -o big2
      seqnlp silver -t big1 -t big2 -t tagger --corpus my-text.txt -o silver.conllu
      seqnlp train-tagger --silver silver.conllu -o student

    The file is written whole or not at all (Ctrl-C leaves nothing behind).
    """
    from pathlib import Path

    from seqnlp.embeddings.training import corpus_sources, source_lines
    from seqnlp.tagger.ensemble import TaggerEnsemble
    from seqnlp.tagger.model import Tagger
    from seqnlp.tagger.silver import write_silver

    if Path(output).exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to replace it")
    members = [Tagger.load(t) for t in teachers or [None]]
    teacher = members[0] if len(members) == 1 else TaggerEnsemble(members)
    sources = [
        (s.name if isinstance(s, Path) else str(s), source_lines(s)[0])
        for s in corpus_sources(corpora)
    ]
    stats = write_silver(
        teacher,
        sources,
        output,
        words=words,
        min_prob=min_prob,
        min_share=min_share,
        progress=show_progress(),
    )
    for s in stats.sources:
        note(
            f"{s['source']}: kept {s['kept']:,} of {s['sentences']:,} sentences "
            f"({s['words_kept']:,} words, {s['tags_kept']:,} of them tagged)",
            err=True,
        )
    sentences = f"{stats.kept:,} sentence{'s' * (stats.kept != 1)}"
    click.echo(f"Wrote {sentences}, {stats.words_kept:,} words to {output}")
