"""What every command does with the working directory, global flags, pipes, stdin and bad
files: the conventions of the README's "Command line conventions" (issue #16)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from seqnlp.cli import main
from tests.tagger.data import tiny_cli_args, write_data


@pytest.fixture
def shadowing_cwd(tmp_path, monkeypatch):
    """A working directory holding folders named like the default models."""
    for name in ("tagger", "sentiment", "vectors", "embeddings"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults_never_depend_on_the_working_directory(runner, shadowing_cwd):
    import seqnlp

    result = runner.invoke(main, ["tag", "I saw a saw"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "I/PRON saw/VERB a/DET saw/NOUN"
    assert runner.invoke(main, ["sentiment", "a gripping, funny film"]).exit_code == 0
    assert runner.invoke(main, ["analogy", "king", "man", "woman", "--topn", "1"]).exit_code == 0
    assert runner.invoke(main, ["info", "tagger"]).exit_code == 0
    assert seqnlp.load("tagger").predict("I saw a saw")[0][1][1] == "VERB"
    # a default model's name is the shipped model; a directory of that name is a path
    assert runner.invoke(main, ["tag", "-m", "tagger", "hi"]).exit_code == 0
    result = runner.invoke(main, ["tag", "-m", "./tagger", "hi"])
    assert result.exit_code == 1 and "not a seqnlp model directory" in result.output


@pytest.mark.parametrize("flag", ["-q", "-v", "--debug"])
def test_global_flags_may_follow_the_command(runner, flag):
    result = runner.invoke(main, ["tag", flag, "I saw a saw"])
    assert result.exit_code == 0, result.output
    assert "I/PRON saw/VERB a/DET saw/NOUN" in result.output


def test_verbose_logs_what_was_loaded_and_quiet_prints_only_results(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "seqnlp", *args],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )

    verbose = run("tag", "-v", "I saw a saw")
    assert "loaded the tagger model" in verbose.stderr and "tagged 1 sentences" in verbose.stderr
    train, dev = write_data(tmp_path)
    args = [a for a in tiny_cli_args(train, dev, tmp_path / "t") if a != "--no-progress"]
    quiet = run("-q", *args)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and quiet.stderr == ""  # no bar, no epoch lines, no "Saved"


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("I saw a saw.\n" * 20_000)
    command = f"{sys.executable} -m seqnlp tag -i {big} | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True)
    assert done.stdout == "I/PRON saw/VERB a/DET saw/NOUN ./PUNCT\n"
    assert done.stderr == "" and done.returncode == 141


@pytest.mark.parametrize("command", [["tag", "-i"], ["sentiment", "-i"], ["tokenize", "-i"]])
def test_a_directory_or_a_missing_file_is_one_line_and_exit_1(runner, tmp_path, command):
    for path, said in ((tmp_path, "a directory, not a file"), (tmp_path / "nope", "no such file")):
        result = runner.invoke(main, [*command, str(path)])
        assert result.exit_code == 1, result.output
        assert said in result.output and len(result.output.strip().splitlines()) == 1


def test_a_missing_data_dir_names_the_option(runner):
    result = runner.invoke(main, ["--data-dir", "/nonexistent", "data", "list"])
    assert result.exit_code == 1
    assert "--data-dir /nonexistent: not a directory" in result.output


@pytest.mark.parametrize("command", ["train-tagger", "train-sentiment"])
def test_a_missing_train_file_is_refused_before_torch_loads(tmp_path, command):
    script = (
        "import sys\nfrom seqnlp.cli import main\n"
        f"try:\n    main(['{command}', '--train', 'nope.txt', '-o', '{tmp_path / 'm'}'])\n"
        "except SystemExit as exit:\n    print(exit.code, 'torch' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split() == ["1", "False"], done.stderr
    assert "--train nope.txt: no such file, and not a dataset" in done.stderr


def test_info_prints_readable_meta(runner):
    result = runner.invoke(main, ["info", "sentiment"])
    assert result.exit_code == 0
    assert re.search(r"history: \d+ epochs, loss [\d.]+ -> [\d.]+", result.output)
    assert '{"epoch"' not in result.output
    tagger = runner.invoke(main, ["info", "tagger"]).output
    assert "train_words" not in tagger.split("parameters")[0]  # not a vocabulary, no "?"


def test_ensemble_epochs_name_each_network():
    from seqnlp.cli.train_sentiment import _epochs

    runs = [{"member": m, "best_epoch": 1, "epochs": 1} for m in range(2)]
    assert _epochs(runs) == "network 1: best epoch 1 of 1; network 2: best epoch 1 of 1"
    assert _epochs(runs[:1]) == "best epoch 1 of 1"


def test_sentiment_json_names_the_line(runner, tmp_path):
    import json

    path = tmp_path / "texts.txt"
    path.write_text("a gripping film\n\nso dull\n")
    result = runner.invoke(main, ["sentiment", "-i", str(path), "--json"])
    assert [json.loads(line)["line"] for line in result.output.splitlines()] == [1, 3]


def test_own_training_data_holds_out_its_dev_set(runner, tmp_path):
    import json

    train, _ = write_data(tmp_path)
    args = tiny_cli_args(train, train, tmp_path / "t")
    args = args[: args.index("--dev")] + args[args.index("--dev") + 2 :]  # no --dev
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "held out to pick the best epoch" in result.output
    meta = json.loads((tmp_path / "t" / "meta.json").read_text())
    assert meta["data"]["dev"] == {"held_out_of_train": 4, "seed": 1}
    assert meta["data"]["train"]["sentences"] == 36  # the file; 32 of them trained


@pytest.mark.parametrize("command", [["evaluate-tagger", "--no-raw-text"], ["evaluate-sentiment"]])
def test_an_image_path_without_an_image_suffix_is_refused_before_the_work(runner, command):
    import time

    start = time.perf_counter()
    result = runner.invoke(main, [*command, "--confusion", "out.txt"])
    assert result.exit_code == 2 and "has no image suffix" in result.output
    assert time.perf_counter() - start < 2  # nothing was scored


def test_empty_query_words_are_named(runner):
    result = runner.invoke(main, ["analogy", "", "", ""])
    assert result.exit_code == 1 and "got '', '', ''" in result.output
    result = runner.invoke(main, ["similar", " "])
    assert result.exit_code == 1 and "empty or blank: ' '" in result.output


def _commands():
    """(name, command) of every command, those of groups (`vectors import`) included."""
    import click

    ctx = click.Context(main)

    def walk(command, name):
        if isinstance(command, click.Group):
            for sub in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, sub), f"{name} {sub}".strip())
        else:
            yield name, command

    return list(walk(main, ""))


def test_every_numeric_option_states_its_range(runner):
    """A number out of range is click's one-line usage error naming the option, and the
    range shows in --help, instead of a traceback deep in training (issue #30)."""
    import click

    plain = [
        f"{name} --{param.name}"
        for name, command in _commands()
        for param in command.params
        if isinstance(param.type, click.types.IntParamType | click.types.FloatParamType)
        and not isinstance(param.type, click.types._NumberRangeBase)
    ]
    assert plain == []
    result = runner.invoke(main, ["train-tagger", "--help"])
    assert "--max-words INTEGER RANGE" in result.output and "x>=3" in result.output


@pytest.mark.parametrize(
    "args, option",
    [
        (["train-tagger", "-o", "x", "--max-words", "0"], "--max-words"),
        (["train-tagger", "-o", "x", "--threads", "-1"], "--threads"),
        (["train-tagger", "-o", "x", "--dropout", "1.5"], "--dropout"),
        (["train-sentiment", "-o", "x", "--lr-decay", "0"], "--lr-decay"),
        (["train-embeddings", "-o", "x", "--max-vocab", "0"], "--max-vocab"),
        (["train-embeddings", "-o", "x", "--top", "-3"], "--top"),
        (["similar", "king", "--topn", "0"], "--topn"),
        (["tag", "hi", "--batch-size", "0"], "--batch-size"),
    ],
)
def test_a_number_out_of_range_is_a_usage_error_naming_the_option(runner, args, option):
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output


def test_more_threads_than_cores_are_cut_to_the_cores(runner, tmp_path):
    train, dev = write_data(tmp_path)
    args = [*tiny_cli_args(train, dev, tmp_path / "t", epochs=1), "--threads", "1000"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "--threads 1000: this machine has" in result.stderr


def test_too_small_a_vocabulary_for_the_vectors_is_one_line(runner, tmp_path):
    train, dev = write_data(tmp_path)
    args = tiny_cli_args(train, dev, tmp_path / "t", epochs=1)
    args[args.index("--embeddings") + 1] = "default"
    result = runner.invoke(main, [*args, "--max-words", "5"])
    assert result.exit_code == 1 and "too small to reduce the vectors" in result.output


@pytest.mark.parametrize(
    "command, line",
    [
        (["tag"], "I saw a saw"),
        (["sentiment"], "a good film"),
        (["similar", "--topn", "1"], "king"),
        (["similarity"], "king queen"),
        (["analogy", "--topn", "1"], "king man woman"),
        (["tokenize"], "Hello there."),
    ],
)
def test_input_reads_a_named_pipe(runner, tmp_path, command, line):
    import threading

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)

    def write():
        with open(fifo, "w") as f:
            f.write(line + "\n")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result = runner.invoke(main, [*command, "--input", str(fifo)])
    # a writer done but not yet ended looked alive under load, and reading the pipe then
    # waited forever for a writer: give it time to end before deciding it is stuck
    writer.join(timeout=10)
    if writer.is_alive():  # the command never opened the pipe: unblock the writer
        fifo.read_text()
        writer.join()
    assert result.exit_code == 0, result.output
    assert result.output.strip()


def test_input_reads_dev_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "seqnlp", "tag", "-i", "/dev/stdin"],
        input="I saw a saw\n",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "I/PRON saw/VERB a/DET saw/NOUN"


@pytest.fixture
def terminal(monkeypatch):
    """stderr taken for a terminal, where progress bars show."""
    import seqnlp.cli.common

    monkeypatch.setattr(seqnlp.cli.common, "show_progress", lambda: not seqnlp.cli.common.quiet())


@pytest.mark.parametrize("command", ["tag", "sentiment"])
def test_long_input_shows_progress_on_a_terminal_and_not_with_q(
    runner, tmp_path, terminal, command
):
    path = tmp_path / "in.txt"
    path.write_text("a good film\n" * 50)
    result = runner.invoke(main, [command, "--input", str(path)])
    assert result.exit_code == 0 and "/600 [" in result.stderr  # a bar of 600 bytes
    assert len(result.stdout.splitlines()) == 50
    result = runner.invoke(main, ["-q", command, "--input", str(path)])
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize("on_terminal", [False, True])
def test_a_training_shows_its_epoch_bar_on_a_terminal_only(
    runner, tmp_path, monkeypatch, on_terminal
):
    """A bar redrawn in a log file (nohup seqnlp train-... > log) is thousands of lines."""
    import seqnlp.cli.common

    monkeypatch.setattr(seqnlp.cli.common, "show_progress", lambda: on_terminal)
    train, dev = write_data(tmp_path)
    args = [a for a in tiny_cli_args(train, dev, tmp_path / "t") if a != "--no-progress"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert ("batch/s" in result.stderr) is on_terminal
    assert "epoch  1:" in result.stderr  # the epoch lines either way


def test_vectors_import_and_index_show_progress(runner, tmp_path, terminal):
    pytest.importorskip("annoy")
    source = tmp_path / "v.txt"
    source.write_text("3 2\nking 0.1 0.2\nqueen 0.2 0.3\nman 0.3 0.1\n")
    args = ["vectors", "import", str(source), "-o", str(tmp_path / "v"), "--index", "2"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stderr.count("/3 [") >= 2 and "building 2 trees" in result.stderr


# Commands without --json, and why: their result is not records on stdout.
NO_JSON = {
    **{
        f"batch {task}": "writes its results as a Parquet directory"
        for task in ("sentiment", "tag", "tokenize", "vectors")
    },
    "data download": "prints one path a line, as a script reads it",
    "data path": "prints one path a line, as a script reads it",
    "plot-embeddings": "draws an image",
    "serve": "a server: its answers are JSON already",
    "silver": "writes a CoNLL-U file",
    "train-embeddings": "the result is a model directory: `seqnlp info DIR --json`",
    "train-sentiment": "the result is a model directory: `seqnlp info DIR --json`",
    "train-tagger": "the result is a model directory: `seqnlp info DIR --json`",
    "vectors export": "writes a vectors file",
    "vectors import": "the result is a vectors directory: `seqnlp info DIR --json`",
    "vectors index": "the result is an index file beside the vectors",
}


def test_json_everywhere_a_command_prints_records():
    """One flag for machine-readable output (issue 28): --json on every command that prints
    results, and a reason for each that does not."""
    with_json = {
        name
        for name, command in _commands()
        if any("--json" in param.opts for param in command.params)
    }
    without = {name for name, _ in _commands()} - with_json
    assert without == set(NO_JSON)


def test_tag_json_is_format_json(runner):
    json_flag = runner.invoke(main, ["tag", "--json", "I saw a saw"])
    assert json_flag.exit_code == 0, json_flag.output
    assert json_flag.output == runner.invoke(main, ["tag", "-f", "json", "I saw a saw"]).output
    clash = runner.invoke(main, ["tag", "--json", "-f", "text", "I saw a saw"])
    assert clash.exit_code == 2 and "--json is --format json" in clash.output


def test_data_list_and_verify_json(runner, tmp_path):
    import json

    from seqnlp import datasets

    listed = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    records = [json.loads(line) for line in listed.output.splitlines()]
    assert [r["name"] for r in records] == datasets.list_datasets()
    sst2 = next(r for r in records if r["name"] == "sst2")
    assert sst2["splits"] == ["train", "dev", "test", "phrases"] and sst2["where"] == "missing"
    checked = runner.invoke(main, ["--data-dir", str(tmp_path), "data", "verify", "sst2", "--json"])
    assert checked.exit_code == 1  # missing files fail verification, as without --json
    lines = [json.loads(line) for line in checked.output.splitlines() if line.startswith("{")]
    assert lines and all(r["status"] == "missing" and r["sha256"] is None for r in lines)


def test_errors_is_one_option_everywhere():
    """--errors is declared once (cli.common.errors_option): the same choices, default and
    help on every command that reads text, only the place it reads named."""
    found = {
        name: param
        for name, command in _commands()
        for param in command.params
        if "--errors" in param.opts
    }
    assert {"tag", "sentiment", "evaluate-sentiment", "similar", "vectors import"} <= set(found)
    for name, param in found.items():
        assert tuple(param.type.choices) == ("strict", "replace") and param.default == "strict"
        assert param.help.startswith("Bytes that are not UTF-8 in "), name
        assert param.help.endswith("or read them as U+FFFD (replace)."), name


def test_the_trainers_share_their_output_options():
    """--output, --force, --resume, --keep-checkpoint and --progress are declared once
    (cli.common.model_output_options); only --output's default differs."""
    commands = dict(_commands())
    shared = ("output", "force", "resume", "keep_checkpoint", "progress")

    def options(name):
        return {p.name: (p.opts, p.help) for p in commands[name].params if p.name in shared}

    assert options("train-tagger") == options("train-sentiment")
    assert set(options("train-tagger")) == set(shared)
    assert options("train-embeddings") == {
        k: v for k, v in options("train-tagger").items() if k in ("output", "force")
    }
