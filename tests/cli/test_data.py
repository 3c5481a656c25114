"""``seqnlp data`` through click's CliRunner."""

from __future__ import annotations

import dataclasses
import socket
import subprocess
import sys

from seqnlp import datasets
from seqnlp.cli import main


def test_list_shows_every_dataset_found_in_the_mirror(runner, shared_data):
    result = runner.invoke(main, ["data", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["NAME", "SPLITS", "SIZE", "WHERE", "LICENSE"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    assert set(rows) == {"ud-english-ewt", "sst2", "enwiki-2015"} | set(datasets.list_datasets())
    assert rows["sst2"][1] == "train,dev,test,phrases"
    assert rows["yelp"][1] == "train,dev,test"  # seeded splits of the source's files
    assert rows["airline-tweets"][4:6] == ["mirror", "CC"]
    assert rows["ud-english-ewt"][2:6] == ["17.8", "MB", "mirror", "CC"]
    assert rows["enwiki-2015"][2:4] == ["104.8", "MB"]


def test_data_dir_option_points_at_another_mirror(runner, tmp_path):
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "list"])
    assert result.exit_code == 0, result.output
    assert all(" missing " in line for line in result.output.splitlines()[1:])


def test_path_prints_one_file_per_line(runner, shared_data):
    result = runner.invoke(main, ["data", "path", "ud-english-ewt", "dev"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{shared_data / 'ud_english_ewt' / 'en_ewt-ud-dev.conllu'}\n"
    result = runner.invoke(main, ["data", "path", "enwiki-2015"])
    assert [line.rsplit("/", 1)[-1] for line in result.output.splitlines()] == [
        "enwiki_extract_part1_AA-AB.txt.xz",
        "enwiki_extract_part2_AC-AD.txt.xz",
    ]


def test_unknown_dataset_and_split_are_one_line_errors(runner):
    result = runner.invoke(main, ["data", "path", "imdb"])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: unknown dataset 'imdb'; known datasets: {', '.join(datasets.list_datasets())}\n"
    )
    result = runner.invoke(main, ["data", "download", "sst2", "validation"])
    assert result.exit_code == 1
    assert "splits: train, dev, test, phrases" in result.output
    assert "Traceback" not in result.output


def test_missing_file_error_says_what_to_do(runner, tmp_path):
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "path", "sst2", "test"])
    assert result.exit_code == 1
    assert "run `seqnlp data download sst2 test`" in result.output
    assert len(result.output.splitlines()) == 1


def test_download_of_a_file_already_in_the_mirror_fetches_nothing(runner, shared_data):
    result = runner.invoke(main, ["data", "download", "sst2", "dev"])
    assert result.exit_code == 0, result.output
    assert result.output == f"{shared_data / 'sst2' / 'stsa.binary.dev'}\n"


def test_download_not_downloadable(runner, tmp_path):
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "download", "enwiki-2015"])
    assert result.exit_code == 1
    assert "cannot be downloaded" in result.output
    assert "SEQNLP_DATA_DIR" in result.output


def test_download_connection_refused(runner, monkeypatch, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/stsa.binary.dev"
    (dev,) = datasets.get_dataset("sst2").select("dev")
    patched = dataclasses.replace(
        datasets.get_dataset("sst2"), files=(dataclasses.replace(dev, url=url),)
    )
    monkeypatch.setitem(datasets._registry(), "sst2", patched)
    monkeypatch.setenv("SEQNLP_CACHE_DIR", str(tmp_path / "cache"))
    result = runner.invoke(main, ["data", "download", "sst2", "dev", "--force"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: cannot download {url}: connection refused;")
    assert not list((tmp_path / "cache").rglob("*.part"))


def test_verify_reports_each_file(runner, shared_data):
    result = runner.invoke(main, ["data", "verify", "sst2"])
    assert result.exit_code == 0, result.output
    assert [line.split()[0] for line in result.output.splitlines()] == ["ok"] * 4


def test_verify_fails_on_a_missing_file(runner, tmp_path):
    result = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "verify", "sst2", "dev"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "missing  sst2/stsa.binary.dev",
        "Error: 1 of 1 files of sst2 failed verification",
    ]


def test_data_help_imports_nothing_heavy():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from seqnlp.cli import main\n"
        "r = CliRunner().invoke(main, ['data', 'list'])\n"
        "assert r.exit_code == 0, r.output\n"
        "heavy = [m for m in ('torch', 'gensim', 'numpy', 'tqdm') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
