"""An approximate nearest-neighbour index beside a vectors directory (Spotify's annoy).

Why annoy: its index is a file of its own format (no pickle) that it memory-maps, so a
query reads only the tree nodes and the few thousand rows it visits and a 3 M-word index
opens at once in a process of a few hundred MB; hnswlib, as fast, reads its whole index
into memory (more than the 3.6 GB table). The search depth (``search_k``) is chosen when
the index is built: the smallest tried that reaches the target recall@10 against exact
search on sampled words, with the measurements kept in ``index.json``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

import numpy as np

from seqnlp.errors import ModelFileError, SeqnlpError

log = logging.getLogger("seqnlp")

INDEX_FILE = "index.annoy"
INDEX_META = "index.json"
SEARCH_K = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000)


class AnnoyIndex:
    """An annoy index over a table's rows (angular metric), opened on first search."""

    def __init__(self, path: Path, meta: dict) -> None:
        self.path, self.meta = path, meta
        self.search_k = int(meta["search_k"])
        self._index = None

    def _open(self):
        if self._index is None:
            from annoy import AnnoyIndex as Annoy

            index = Annoy(int(self.meta["dim"]), "angular")
            try:
                index.load(str(self.path))  # memory-mapped
            except OSError as exc:
                raise ModelFileError(f"{self.path}: cannot open the index ({exc})") from None
            if index.get_n_items() != self.meta["rows"]:
                raise ModelFileError(
                    f"{self.path}: holds {index.get_n_items()} rows, not {self.meta['rows']}"
                )
            self._index = index
        return self._index

    def search(
        self, query: np.ndarray, k: int, search_k: int | None = None
    ) -> list[tuple[int, float]]:
        """``(row, cosine)`` of about the ``k`` rows nearest to ``query``, best first."""
        ids, dists = self._open().get_nns_by_vector(
            np.asarray(query, dtype=np.float32).tolist(),
            k,
            search_k=search_k or self.search_k,
            include_distances=True,
        )
        # annoy's angular distance is |u - v| for unit vectors: cos = 1 - d^2 / 2
        return [(i, 1.0 - d * d / 2.0) for i, d in zip(ids, dists, strict=True)]


def open_index(directory: Path, wv) -> AnnoyIndex | None:
    """The index of a vectors directory, or None when it has none."""
    meta_path = directory / INDEX_META
    if not meta_path.is_file():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        ok = (
            isinstance(meta, dict)
            and meta.get("library") == "annoy"
            and meta.get("rows") == len(wv)
            and meta.get("dim") == wv.dim
            and isinstance(meta.get("search_k"), int)
        )
    except (OSError, ValueError):
        ok = False
    if not ok or not (directory / INDEX_FILE).is_file():
        raise ModelFileError(
            f"{meta_path}: not an index of these vectors; rebuild it with `seqnlp vectors index`"
        )
    return AnnoyIndex(directory / INDEX_FILE, meta)


def build_index(
    wv,
    directory: str | os.PathLike,
    *,
    trees: int = 20,
    target_recall: float = 0.95,
    queries: int = 100,
    seed: int = 0,
    progress: bool = False,
) -> dict:
    """Build the annoy index of ``wv`` (a :class:`WordVectors` saved at ``directory``).

    Rows are streamed into annoy's on-disk build (the table is not copied in memory), the
    trees are built on every core, and recall@10 against exact search is measured on
    ``queries`` random words for each of :data:`SEARCH_K`.

    ``progress`` shows a tqdm bar of the rows added on stderr (minutes on millions of
    rows); the trees are then built in one call, which the bar's description says.

    Returns:
        What ``index.json`` records: trees, build seconds, search_k, recall per search_k.
    """
    from annoy import AnnoyIndex as Annoy
    from tqdm.auto import tqdm

    from seqnlp.serialization import write_json_atomic

    if trees < 1:
        raise SeqnlpError(f"trees must be at least 1, got {trees}")
    directory = Path(directory)
    target = directory / INDEX_FILE
    tmp = directory / f".{INDEX_FILE}.tmp-{os.getpid()}"
    start = time.perf_counter()
    index = Annoy(wv.dim, "angular")
    index.set_seed(seed)
    index.on_disk_build(str(tmp))
    try:
        bar = tqdm(total=len(wv), desc="index", unit=" rows", disable=not progress)
        with bar:
            for first, _, block in wv._blocks(len(wv)):
                for i, row in enumerate(block):
                    index.add_item(first + i, row)
                bar.update(len(block))
            bar.set_description(f"index: building {trees} trees")
            added = time.perf_counter()
            index.build(trees, n_jobs=-1)
        index.unload()
        built = time.perf_counter()
        log.info("annoy index: %d trees in %.0f s", trees, built - start)
        meta = {
            "library": "annoy",
            "metric": "angular",
            "rows": len(wv),
            "dim": wv.dim,
            "trees": trees,
            "add_seconds": round(added - start, 1),
            "build_seconds": round(built - added, 1),
        }
        meta.update(measure_recall(wv, tmp, meta, queries, target_recall, seed))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    write_json_atomic(directory / INDEX_META, meta)
    wv.ann = AnnoyIndex(target, meta)
    return meta


def measure_recall(wv, path: Path, meta: dict, queries: int, target: float, seed: int) -> dict:
    """recall@10 of the index at each of :data:`SEARCH_K` against exact search, on the
    vectors of ``queries`` random words (the word itself left out of both lists)."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(wv), size=min(queries, len(wv)), replace=False))
    unit = np.stack([wv.vectors[int(r)] for r in rows]).astype(np.float32)
    unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    nearest, _ = wv.nearest_rows(unit, 11)  # one scan for every query
    exact = [
        set([i for i in ids.tolist() if i != row][:10])
        for ids, row in zip(nearest, rows, strict=True)
    ]
    index = AnnoyIndex(path, {**meta, "search_k": 0})
    recall: dict[str, float] = {}
    chosen = SEARCH_K[-1]
    for search_k in SEARCH_K:
        start = time.perf_counter()
        hits = 0
        for j, row in enumerate(rows):
            found = [i for i, _ in index.search(unit[j], 11, search_k) if i != row][:10]
            hits += len(exact[j] & set(found))
        seconds = (time.perf_counter() - start) / len(rows)
        recall[str(search_k)] = {"recall_at_10": hits / (10 * len(rows)), "ms": seconds * 1e3}
        if hits / (10 * len(rows)) >= target:
            chosen = search_k
            break
    index._open().unload()
    return {
        "search_k": chosen,
        "recall_at_10": recall[str(chosen)]["recall_at_10"],
        "recall_queries": len(rows),
        "search_k_tried": recall,
    }
