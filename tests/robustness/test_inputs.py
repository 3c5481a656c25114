"""Awkward input files through ``seqnlp tag``: 50 MB, text of many distinct words, one 1 MB
line, NUL bytes, mixed line ends.

The big files run in a subprocess so that its peak memory (``ru_maxrss`` from ``wait4``) is
the tagger's alone. The shipped tagger runs at about 30k tokens/s on this machine, so 50 MB of
ordinary prose (about 11M tokens) would take five minutes; the 50 MB file here is written in
long words (about 31 bytes a token, 1.7M tokens), which keeps every byte of the file going
through the reader, the tokenizer and the tagger in under a minute. Eight words repeated
cost the tagger nothing per word form, so a second pair of files holds what memory grows
with: hundreds of thousands of distinct words, sentences of real lengths, one very long line.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seqnlp.cli import main
from seqnlp.tokenize import tokenize

LONG_WORDS = [
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "antidisestablishmentarianism",
    "floccinaucinihilipilification",
    "supercalifragilisticexpialidocious",
    "hippopotomonstrosesquippedaliophobia",
    "pseudopseudohypoparathyroidism",
    "honorificabilitudinitatibus",
    "thyroparathyroidectomized",
]
MB = 2**20


def _write_repeated(path: Path, size: int) -> int:
    """``size`` bytes of 64 distinct sentence lines repeated; returns the number of lines."""
    lines = [
        " ".join(LONG_WORDS[(i * 3 + k) % len(LONG_WORDS)] for k in range(6 + i % 7)) + ".\n"
        for i in range(64)
    ]
    block = "".join(lines).encode()
    copies = size // len(block) + 1
    path.write_bytes(block * copies)
    return 64 * copies


COMMON = (
    "the of and to a in is it you that he was for on are with as I his they be at one have "
    "this from or had by not but what some we can out other were all there when up use your"
).split()


def _write_realistic(path: Path, distinct: int, long_line: int, seed: int = 0) -> int:
    """Prose-like lines, about 17 tokens each (gamma-distributed lengths, as in EWT), six
    tokens in ten an invented word seen once (until ``distinct`` of them), the rest common
    words, then one line of ``long_line`` tokens; returns the number of tokens."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    fresh, tokens, lines = 0, 0, []

    def word() -> str:
        nonlocal fresh
        if fresh < distinct and rng.random() < 0.6:
            fresh += 1
            new = "".join(rng.choice(letters) for _ in range(rng.randint(4, 11)))
            return new.capitalize() if rng.random() < 0.15 else new
        return rng.choice(COMMON)

    while fresh < distinct:
        words = [word() for _ in range(max(1, int(rng.gammavariate(2.0, 8.5))))]
        lines.append(" ".join(words) + rng.choice(".?!") * (rng.random() < 0.9))
        tokens += len(words)
    lines.append(" ".join(word() for _ in range(long_line)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tokens + long_line


# A small launcher measures the tagger: a child forked from pytest itself would start its
# peak RSS at pytest's (Linux keeps the high-water mark across fork and exec).
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:], stdout=open(sys.argv[1], 'wb')).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(code)\n"
)


def _tag_file(path: Path, output: Path, *args: str) -> tuple[int, float, float]:
    """Run ``seqnlp tag --input path``: (exit code, peak RSS in MiB, seconds)."""
    start = time.perf_counter()
    command = [sys.executable, "-m", "seqnlp", "tag", "--input", str(path), *args]
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, str(output), *command], capture_output=True, text=True
    )
    return run.returncode, int(run.stdout.split()[-1]) / 1024, time.perf_counter() - start


@pytest.mark.slow  # ~40-60 s; tests/tagger: test_streaming_reads_only_a_chunk_ahead
def test_50_mb_file_in_bounded_memory(tmp_path, record_property):
    small, big = tmp_path / "1mb.txt", tmp_path / "50mb.txt"
    _write_repeated(small, MB)
    lines = _write_repeated(big, 50 * MB)
    code, small_peak, _ = _tag_file(small, tmp_path / "small.out")
    assert code == 0
    code, peak, seconds = _tag_file(big, tmp_path / "big.out")
    assert code == 0
    size = big.stat().st_size / MB
    print(f"\n{size:.1f} MB tagged in {seconds:.1f} s, peak RSS {peak:.0f} MiB", end=" ")
    print(f"(1 MB: {small_peak:.0f} MiB)")
    record_property("peak_rss_mib_50mb", round(peak))
    record_property("seconds_50mb", round(seconds, 1))
    with (tmp_path / "big.out").open("rb") as out:
        assert sum(1 for _ in out) == lines  # one sentence a line, every one tagged
    assert peak < small_peak + 40  # the input, 50 times larger, is streamed, not held
    assert peak < 400


def test_many_distinct_words_in_bounded_memory(tmp_path, record_property):
    """260,000 distinct word forms, real sentence lengths and a 20,000-token line take no
    more memory than a tenth of that text: per-word caches are bounded, and a batch of long
    sentences is cut to a bounded number of tokens."""
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    _write_realistic(small, 26_000, 20_000)
    tokens = _write_realistic(big, 260_000, 20_000)
    code, small_peak, _ = _tag_file(small, tmp_path / "small.out")
    assert code == 0
    code, peak, seconds = _tag_file(big, tmp_path / "big.out")
    assert code == 0
    print(f"\n{tokens:,} tokens tagged in {seconds:.1f} s, peak RSS {peak:.0f} MiB", end=" ")
    print(f"(a tenth of them: {small_peak:.0f} MiB)")
    record_property("peak_rss_mib_distinct_words", round(peak))
    assert len((tmp_path / "big.out").read_bytes().splitlines()) > 20_000
    assert peak < small_peak + 25
    assert peak < 250


def test_a_single_1_mb_line(tmp_path):
    """No line end at all: one line is the unit, so it is held once, and tagged in windows."""
    path = tmp_path / "line.txt"
    words, sentences = [], 0
    while sum(map(len, words)) + len(words) < MB:
        words += LONG_WORDS[sentences % 8 :] + LONG_WORDS[: sentences % 8]
        words[-1] += "." if sentences % 2 else ""  # half the sentences run on and on
        sentences += 1
    text = " ".join(words)
    path.write_text(text, encoding="utf-8")
    code, peak, _ = _tag_file(path, tmp_path / "out.jsonl", "--format", "json")
    assert code == 0
    records = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {r["line"] for r in records} == {1}
    assert [t for r in records for t in r["tokens"]] == [t for s in tokenize(text) for t in s]
    assert all(len(r["upos"]) == len(r["tokens"]) for r in records)
    assert peak < 400


@pytest.mark.parametrize("fmt", ["text", "conllu", "json"])
def test_nul_bytes_and_mixed_line_ends(runner, tmp_path, fmt):
    """\\r\\n, \\r and \\n each end a line, as in Python's text mode; NUL separates words."""
    path = tmp_path / "mixed.txt"
    path.write_bytes(
        b"I saw a saw\r\nThe dog\x00 barked.\rShe runs\n\x00\x00\r\n\nA\x00B is here"
        b"\r\rlast line, no line end"
    )
    result = runner.invoke(main, ["tag", "-m", "tagger", "-i", str(path), "-f", fmt])
    assert result.exit_code == 0, result.output
    if fmt == "json":
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [r["line"] for r in records] == [1, 2, 3, 6, 8]  # line 4 is NULs only
        assert records[0]["tokens"] == ["I", "saw", "a", "saw"]
        assert records[1]["tokens"] == ["The", "dog", "barked", "."]
        assert records[3]["tokens"] == ["A", "B", "is", "here"]
        assert records[-1]["tokens"] == ["last", "line", ",", "no", "line", "end"]
        assert all(len(r["upos"]) == len(r["tokens"]) for r in records)
    elif fmt == "text":
        assert len(result.stdout.splitlines()) == 5
        assert result.stdout.splitlines()[2] == "She/PRON runs/VERB"
    else:
        import conllu

        assert len(conllu.parse(result.stdout)) == 5
    assert "\x00" not in result.stdout


def test_realistic_text_and_a_long_line_in_bounded_memory(tmp_path):
    """Long sentences of many distinct word forms (as real prose has, unlike the repeated
    lines above) and a line without sentence ends: before batches were bounded in padded
    tokens, 256 sentences of 90 words held about 450 MiB (EWT text: 440 MiB, a 2 MB line
    without sentence ends 253 MiB)."""
    rng = random.Random(0)

    def word() -> str:
        return "".join(rng.choice("etaoinshrdlucmfwyp") for _ in range(rng.randint(2, 11)))

    prose = tmp_path / "prose.txt"
    lines = [" ".join(word() for _ in range(rng.randint(80, 99))) + ".\n" for _ in range(300)]
    prose.write_text("".join(lines), encoding="utf-8")
    line = tmp_path / "line.txt"
    line.write_text(" ".join(word() for _ in range(60_000)), encoding="utf-8")  # 0.4 MB
    for path in (prose, line):
        code, peak, _ = _tag_file(path, tmp_path / "out.txt")
        assert code == 0
        assert peak < 250, f"{path.name}: peak RSS {peak:.0f} MiB"
