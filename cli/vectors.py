"""``seqnlp vectors``: vectors trained elsewhere, imported once and exported again."""

from __future__ import annotations

import click

from seqnlp.cli.common import errors_option, field_option
from seqnlp.embeddings.config import EmbeddingConfig


@click.group()
def vectors():
    """Import word2vec, GloVe and fastText vectors, export them, index them.

    \b
      seqnlp vectors import GoogleNews-vectors-negative300.bin.gz -o gnews --limit 1000000
      seqnlp similar king --vectors gnews
      seqnlp vectors export gnews -o gnews.txt
    """


@vectors.command("import")
@click.argument("source", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(file_okay=False), help="New dir.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "text", "binary", "fasttext"]),
    default="auto",
    show_default=True,
    help="auto: a fastText .bin by its magic number, word2vec binary or text (with or "
    "without the 'rows dim' header: GloVe, Spark) by content.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Keep the first N (most frequent) rows.")
@click.option(
    "--dtype",
    type=click.Choice(["float32", "float16", "int8"]),
    default="float32",
    show_default=True,
    help="Storage: float16 halves the directory, int8 (a scale per row) quarters it.",
)
@field_option(EmbeddingConfig, "lowercase", default=False)
@errors_option("the words (GoogleNews has some)")
@click.option(
    "--index",
    "index_trees",
    type=click.IntRange(min=0),
    default=0,
    help="Also build an approximate index of N annoy trees (e.g. 20) for `similar "
    "--approximate` on big tables; recall is measured and kept in index.json.",
)
@click.option("--force", is_flag=True, help="Replace an existing vectors directory.")
def import_cmd(source, output, fmt, limit, dtype, lowercase, errors, index_trees, force):
    """Convert a vectors FILE into a directory that opens in milliseconds.

    Reads word2vec text and binary (.gz too), GloVe (no header), fastText .vec and .bin
    (sub-word vectors kept, so unknown words get vectors) and Spark's text output (a
    directory of part-* files). Every row is checked; a bad file stops with its line or
    byte offset and leaves no output. The directory memory-maps its table: a 3-million-
    word file answers its first query in a fraction of a second.
    """
    from seqnlp.cli.common import reject_existing_output, show_progress
    from seqnlp.embeddings import import_vectors

    reject_existing_output(output, force)
    wv = import_vectors(
        source,
        output,
        fmt=fmt,
        limit=limit,
        dtype=dtype,
        lowercase=lowercase,
        errors=errors,
        overwrite=force,
        index_trees=index_trees,
        progress=show_progress(),
    )
    src = wv.meta.get("source", {})
    dropped = src.get("merged_duplicates", 0)
    click.echo(
        f"Imported {len(wv):,} vectors of {wv.dim} dimensions ({src.get('format')}) into "
        f"{output}" + (f"; {dropped:,} duplicates after --lower dropped" if dropped else "")
    )
    if wv.ann is not None:
        meta = wv.ann.meta
        click.echo(
            f"Index: {meta['trees']} trees, recall@10 {meta['recall_at_10']:.3f} at "
            f"search_k {meta['search_k']:,}"
        )


@vectors.command("export")
@click.argument("source", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="File.")
@click.option("--binary", is_flag=True, help="word2vec binary instead of text.")
@click.option("--force", is_flag=True, help="Replace an existing file.")
def export_cmd(source, output, binary, force):
    """Write vectors (a directory, or 'default' for the shipped ones) in word2vec format.

    gensim reads the result with KeyedVectors.load_word2vec_format(FILE, binary=...);
    a .gz name compresses it.
    """
    from pathlib import Path

    from seqnlp.embeddings import WordVectors

    if Path(output).exists() and not force:
        raise click.ClickException(f"{output} already exists; use --force to replace it")
    if not Path(output).resolve().parent.is_dir():
        raise click.ClickException(f"{output}: no such directory {Path(output).parent}")
    wv = WordVectors.load(None if source == "default" else source)
    wv.export(output, binary=binary)
    kind = "binary" if binary else "text"
    click.echo(f"Wrote {len(wv):,} vectors of {wv.dim} dimensions to {output} (word2vec {kind})")


@vectors.command("index")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--trees", default=20, show_default=True, type=click.IntRange(min=1))
def index_cmd(directory, trees):
    """Build (or rebuild) the approximate index of an imported vectors DIRECTORY."""
    from seqnlp.cli.common import show_progress
    from seqnlp.embeddings import WordVectors
    from seqnlp.embeddings.index import build_index

    meta = build_index(
        WordVectors.load(directory), directory, trees=trees, progress=show_progress()
    )
    click.echo(
        f"Index: {trees} trees in {meta['add_seconds'] + meta['build_seconds']:.0f} s, "
        f"recall@10 {meta['recall_at_10']:.3f} at search_k {meta['search_k']:,}"
    )
