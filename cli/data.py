"""``seqnlp data``: list, locate, download and verify the named datasets."""

from __future__ import annotations

import json
import logging

import click


def _complete_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    from seqnlp.datasets import list_datasets

    return [name for name in list_datasets() if name.startswith(incomplete)]


def _human_size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _where(locations) -> str:
    found = [loc.where for loc in locations if loc.path is not None]
    if not found:
        return "missing"
    if len(found) < len(locations):
        return f"partial ({len(found)} of {len(locations)} files)"
    return "+".join(dict.fromkeys(found))


def _echo_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


name_argument = click.argument("name", shell_complete=_complete_names)
split_argument = click.argument("split", required=False)


@click.group()
def data() -> None:
    """Named datasets: list them, find, download and verify their files.

    Files are looked up in the mirror given by --data-dir (env: SEQNLP_DATA_DIR), then in
    the cache (SEQNLP_CACHE_DIR, default ~/.cache/seqnlp); `download` fills the cache.
    """


@data.command("list")
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per dataset (size in bytes)."
)
def list_command(as_json: bool) -> None:
    """List the datasets with their splits, size, where they are found and license.

    Sentiment sets without splits of their own get seeded train/dev/test splits (a hash of
    each text picks its split; no dev or test text of any set is ever in a training split).
    """
    from seqnlp import datasets
    from seqnlp.labelled import sentiment_datasets

    rows = []
    labelled = sentiment_datasets()
    for name in datasets.list_datasets():
        dataset = datasets.get_dataset(name)
        # a labelled set's train/dev/test, which may be drawn from its files
        splits = labelled[name].splits if name in labelled else dataset.splits
        where = _where(datasets.locate(name))
        if as_json:
            record = {"name": name, "splits": list(splits), "bytes": dataset.size}
            record.update(where=where, license=dataset.license)
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        rows.append((name, ",".join(splits), _human_size(dataset.size), where, dataset.license))
    if not as_json:
        _echo_table(("NAME", "SPLITS", "SIZE", "WHERE", "LICENSE"), rows)


@data.command()
@name_argument
@split_argument
def path(name: str, split: str | None) -> None:
    """Print the local path of each file of NAME (or of one SPLIT), one per line."""
    from seqnlp.datasets import dataset_paths

    for file_path in dataset_paths(name, split):
        click.echo(str(file_path))


@data.command()
@name_argument
@split_argument
@click.option("--force", is_flag=True, help="Download again even if a local copy exists.")
def download(name: str, split: str | None, force: bool) -> None:
    """Download NAME (or one SPLIT) into the cache, checking sha256; print the paths."""
    from seqnlp import datasets

    # -q (log level ERROR) hides the progress bar; otherwise tqdm shows it on a terminal
    quiet = not logging.getLogger("seqnlp").isEnabledFor(logging.WARNING)
    paths = datasets.download(name, split, force=force, progress=False if quiet else None)
    for file_path in paths if isinstance(paths, list) else [paths]:
        click.echo(str(file_path))


@data.command()
@name_argument
@split_argument
@click.option(
    "--json", "as_json", is_flag=True, help="One JSON object per file (path, status, sha256s)."
)
def verify(name: str, split: str | None, as_json: bool) -> None:
    """Check the sha256 of NAME's local files (or one SPLIT's) against the manifest."""
    from seqnlp.datasets import verify as verify_files
    from seqnlp.errors import DataError

    checks = verify_files(name, split)
    for check in checks:
        shown = check.path or check.file.path
        if as_json:
            record = {"path": str(shown), "status": check.status}
            record.update(expected=check.file.sha256, sha256=check.sha256)
            click.echo(json.dumps(record))
        elif check.status == "mismatch":
            click.echo(f"MISMATCH {shown}: expected {check.file.sha256}, got {check.sha256}")
        else:
            click.echo(f"{check.status:<8} {shown}")
    failed = sum(not check.ok for check in checks)
    if failed:
        raise DataError(f"{failed} of {len(checks)} files of {name} failed verification")
