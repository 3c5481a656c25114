"""The dataset registry: manifest, mirror and cache lookup, downloads from a local server."""

from __future__ import annotations

import dataclasses
import hashlib
import http.server
import re
import shutil
import socket
import threading
from pathlib import Path

import pytest

from seqnlp import corpus, datasets
from seqnlp.errors import DataError

# --------------------------------------------------------------------------- manifest


SENTIMENT = [
    "yelp",
    "amazon-reviews",
    "semeval2017",
    "pros-cons",
    "airline-tweets",
    "sentiment140",
    "financial-phrasebank",
    "mpqa",
]


def test_manifest_lists_the_datasets_and_their_splits():
    assert datasets.list_datasets() == ["ud-english-ewt", "sst2", "enwiki-2015", *SENTIMENT]
    assert datasets.get_dataset("ud-english-ewt").splits == ["train", "dev", "test"]
    assert datasets.get_dataset("sst2").splits == ["train", "dev", "test", "phrases"]
    assert datasets.get_dataset("enwiki-2015").splits == ["part1", "part2"]


@pytest.mark.parametrize("name", ["ud-english-ewt", "sst2", "enwiki-2015"])
def test_manifest_entries_are_complete(name):
    dataset = datasets.get_dataset(name)
    assert dataset.description and dataset.license and dataset.source
    for file in dataset.files:
        assert file.size > 0 and file.license and file.description
        # the format names the corpus reader
        assert callable(getattr(corpus, f"read_{file.format}"))
        if file.url is None:
            assert "SEQNLP_DATA_DIR" in file.not_downloadable

        else:
            assert re.fullmatch(
                r"https://raw\.githubusercontent\.com/[^/]+/[^/]+/[0-9a-f]{40}/.+", file.url
            )
            assert file.url.endswith(Path(file.path).name)


@pytest.mark.parametrize("name", SENTIMENT)
def test_sentiment_manifest_entries_are_complete(name):
    from seqnlp import labelled as sources

    dataset = datasets.get_dataset(name)
    assert dataset.description and dataset.license and dataset.source and dataset.homepage
    section = sources.sentiment_datasets()[name]
    assert section.domain and set(section.labels) <= set(sources.LABELS)
    assert set(section.pool) | set(section.test) <= set(dataset.splits)
    for file in dataset.files:
        assert file.size > 0 and file.license and file.description
        assert file.format in sources.FORMATS  # the reader of seqnlp.labelled
        assert file.url or "mirror" in file.not_downloadable
        if file.url:
            assert re.fullmatch(r"https://raw\.githubusercontent\.com/.+/[0-9a-f]{40}/.+", file.url)


def test_wikipedia_parts_are_not_downloadable():
    assert all(f.url is None for f in datasets.get_dataset("enwiki-2015").files)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sha256": "abc"}, "64 lower-case hex"),
        ({"path": "../outside"}, "relative path"),
        ({"url": None}, "not_downloadable"),
    ],
)
def test_a_bad_manifest_entry_is_named(change, message):
    entry = {
        "split": "train",
        "path": "x/train.txt",
        "url": "https://example.org/train.txt",
        "sha256": "0" * 64,
        "size": 1,
        "license": "MIT",
        "format": "sst",
        "description": "d",
    }
    manifest = {"manifest_version": 1, "datasets": {"x": {"files": [{**entry, **change}]}}}
    with pytest.raises(DataError, match=rf"x file 1: .*{message}"):
        datasets._parse_manifest(manifest)


# --------------------------------------------------------------------------- lookup


def test_paths_come_from_the_mirror(shared_data):
    assert datasets.dataset_path("ud-english-ewt", "dev") == (
        shared_data / "ud_english_ewt" / "en_ewt-ud-dev.conllu"
    )
    assert datasets.dataset_path("sst2", "phrases") == (
        shared_data / "sst2" / "glue_phrase_train_thirdparty" / "train.tsv"
    )
    parts = datasets.dataset_path("enwiki-2015")
    assert [p.name for p in parts] == [
        "enwiki_extract_part1_AA-AB.txt.xz",
        "enwiki_extract_part2_AC-AD.txt.xz",
    ]
    assert datasets.dataset_path("enwiki-2015", "part2") == parts[1]
    assert {loc.where for loc in datasets.locate("sst2")} == {"mirror"}


def test_every_mirror_file_has_the_manifest_size(shared_data):
    for name in datasets.list_datasets():
        for file in datasets.get_dataset(name).files:
            assert (shared_data / file.path).stat().st_size == file.size, file.path


@pytest.mark.parametrize("name", ["sst2", "ud-english-ewt"])
def test_mirror_checksums_match_the_manifest(shared_data, name):
    # the 100 MB Wikipedia parts are left to `seqnlp data verify enwiki-2015`
    checks = datasets.verify(name)
    assert [c.status for c in checks] == ["ok"] * len(checks)


def test_unknown_dataset_lists_the_known_names():
    with pytest.raises(DataError, match="unknown dataset 'nope'; known datasets: ud-english-ewt"):
        datasets.dataset_path("nope")


def test_unknown_split_lists_the_splits():
    with pytest.raises(DataError, match="no split 'validation'; splits: train, dev, test$"):
        datasets.dataset_path("ud-english-ewt", "validation")


def test_data_dir_that_is_not_a_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQNLP_DATA_DIR", str(tmp_path / "nope"))
    with pytest.raises(DataError, match="SEQNLP_DATA_DIR=.*nope: not a directory"):
        datasets.dataset_path("sst2", "dev")


@pytest.fixture
def empty_mirror(monkeypatch, tmp_path) -> Path:
    """No mirror files and an empty cache of our own."""
    monkeypatch.delenv("SEQNLP_DATA_DIR")
    monkeypatch.setenv("SEQNLP_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "datasets"


def test_missing_file_says_how_to_get_it(empty_mirror):
    with pytest.raises(
        DataError, match=r"sst2 dev .*seqnlp data download sst2 dev.*SEQNLP_DATA_DIR"
    ):
        datasets.dataset_path("sst2", "dev")
    with pytest.raises(DataError, match="cannot be downloaded: .*SEQNLP_DATA_DIR"):
        datasets.dataset_path("enwiki-2015", "part1")
    assert [loc.where for loc in datasets.locate("enwiki-2015")] == ["missing", "missing"]


def test_cache_is_used_when_the_mirror_lacks_the_file(shared_data, empty_mirror):
    file = datasets.get_dataset("sst2").select("dev")[0]
    cached = empty_mirror / file.path
    cached.parent.mkdir(parents=True)
    shutil.copyfile(shared_data / file.path, cached)
    assert datasets.dataset_path("sst2", "dev") == cached
    assert datasets.locate("sst2", "dev")[0].where == "cache"


def test_a_local_file_of_the_wrong_size_is_refused(empty_mirror):
    file = datasets.get_dataset("sst2").select("dev")[0]
    cached = empty_mirror / file.path
    cached.parent.mkdir(parents=True)
    cached.write_text("1 truncated\n")
    with pytest.raises(DataError, match=f"12 bytes, but the manifest expects {file.size}"):
        datasets.dataset_path("sst2", "dev")
    assert [c.status for c in datasets.verify("sst2", "dev")] == ["mismatch"]


def test_resolve_takes_a_file_or_a_name(shared_data, tmp_path, monkeypatch):
    own = tmp_path / "mine.txt"
    own.write_text("1 good\n")
    assert datasets.resolve(own, "train") == own
    assert datasets.resolve(str(own)) == own
    assert datasets.resolve("sst2", "dev") == shared_data / "sst2" / "stsa.binary.dev"
    # a file named like a dataset wins: the user pointed at it
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sst2").write_text("1 local\n")
    assert datasets.resolve("sst2", "dev") == Path("sst2")
    with pytest.raises(DataError, match="no-such.txt: no such file, and not a dataset name"):
        datasets.resolve("no-such.txt")
    with pytest.raises(DataError, match="not a file"):
        datasets.resolve(tmp_path)


# --------------------------------------------------------------------------- download


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture
def server(tmp_path):
    """An HTTP server on 127.0.0.1 serving ``tmp_path / "www"``; yields (base URL, request log)."""
    root = tmp_path / "www"
    root.mkdir()
    requests: list[str] = []

    class Handler(_Handler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root, requests
    httpd.shutdown()
    httpd.server_close()
    thread.join()


CONTENT = b"1 a gripping , funny film\n0 a dull one\n"


def _register(monkeypatch, url: str, content: bytes = CONTENT, **changes) -> datasets.DataFile:
    """Add a one-file dataset "tiny" to the registry, served at ``url``."""
    file = datasets.DataFile(
        dataset="tiny",
        split="train",
        path="tiny/train.txt",
        url=url,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        license="MIT",
        format="sst",
        description="two lines",
    )
    file = dataclasses.replace(file, **changes)
    dataset = datasets.Dataset("tiny", "a tiny set", "MIT", "tests", None, (file,))
    monkeypatch.setitem(datasets._registry(), "tiny", dataset)
    return file


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.rglob("*") if p.is_file())


def test_download_good_file(server, empty_mirror, monkeypatch, capsys):
    base, root, requests = server
    (root / "train.txt").write_bytes(CONTENT)
    _register(monkeypatch, f"{base}/train.txt")
    with pytest.raises(DataError, match="seqnlp data download tiny train"):
        datasets.dataset_path("tiny", "train")

    path = datasets.download("tiny", progress=False)
    assert path == empty_mirror / "tiny" / "train.txt"
    assert path.read_bytes() == CONTENT
    assert _leftovers(empty_mirror) == ["train.txt"]
    assert datasets.dataset_path("tiny", "train") == path
    assert [r.text for r in corpus.read_sst(path)] == ["a gripping , funny film", "a dull one"]

    datasets.download("tiny", progress=False)  # already there: nothing fetched
    assert requests == ["/train.txt"]
    datasets.download("tiny", "train", force=True, progress=True)
    assert requests == ["/train.txt"] * 2
    assert "tiny train" in capsys.readouterr().err  # the progress bar


def test_dataset_path_downloads_only_when_asked(server, empty_mirror, monkeypatch):
    base, root, requests = server
    (root / "train.txt").write_bytes(CONTENT)
    _register(monkeypatch, f"{base}/train.txt")
    assert datasets.resolve("tiny", "train", download=True).read_bytes() == CONTENT
    assert requests == ["/train.txt"]


def test_download_with_bad_checksum_leaves_nothing(server, empty_mirror, monkeypatch):
    base, root, _ = server
    (root / "train.txt").write_bytes(CONTENT.replace(b"dull", b"DULL"))
    file = _register(monkeypatch, f"{base}/train.txt")
    with pytest.raises(DataError) as caught:
        datasets.download("tiny", progress=False)
    message = str(caught.value)
    assert f"checksum mismatch for {base}/train.txt: expected sha256 {file.sha256}, got " in message
    assert "\n" not in message
    assert not (empty_mirror / file.path).exists()
    assert _leftovers(empty_mirror) == []


def test_truncated_download_names_the_sizes(server, empty_mirror, monkeypatch):
    base, root, _ = server
    (root / "train.txt").write_bytes(CONTENT[:10])
    _register(monkeypatch, f"{base}/train.txt")
    with pytest.raises(DataError, match=f"got 10 of {len(CONTENT)} bytes; the file was not saved"):
        datasets.download("tiny", progress=False)
    assert _leftovers(empty_mirror) == []


def test_http_error_names_url_and_remedy(server, empty_mirror, monkeypatch):
    base, _, _ = server
    _register(monkeypatch, f"{base}/gone.txt")
    with pytest.raises(
        DataError, match=rf"cannot download {base}/gone.txt: HTTP 404 .*SEQNLP_DATA_DIR"
    ):
        datasets.download("tiny", progress=False)
    assert _leftovers(empty_mirror) == []


def test_connection_refused_names_url_and_remedy(empty_mirror, monkeypatch):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/train.txt"
    _register(monkeypatch, url)
    with pytest.raises(DataError, match=rf"cannot download {url}: connection refused; set SEQNLP"):
        datasets.download("tiny", progress=False)
    assert _leftovers(empty_mirror) == []


def test_interrupted_download_removes_the_temp_file(server, empty_mirror, monkeypatch):
    base, root, _ = server
    (root / "train.txt").write_bytes(CONTENT)
    file = _register(monkeypatch, f"{base}/train.txt")

    class Interrupting:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(datasets, "_progress_bar", lambda *args: Interrupting())
    with pytest.raises(KeyboardInterrupt):
        datasets.download("tiny")
    assert not (empty_mirror / file.path).exists()
    assert _leftovers(empty_mirror) == []


def test_not_downloadable_is_refused_before_any_request(empty_mirror):
    with pytest.raises(
        DataError, match="enwiki-2015 part1 cannot be downloaded: .*SEQNLP_DATA_DIR"
    ):
        datasets.download("enwiki-2015", force=True)
