"""``seqnlp serve`` under load, run on demand (not part of the test suite).

    python tests/benchmarks/bench_serve.py [--seconds 30] [--clients 16] [--skip-screenshot]

Needs UD English EWT test (SEQNLP_DATA_DIR, e.g. ../shared/data): its sentence texts are
what every client sends. In one run, on 127.0.0.1:

- peer: ``seqnlp tag --input FILE`` on the EWT test sentences (repeated to --peer-lines
  lines); the batched server test runs in 3 rounds, each followed by one peer run, and the
  ratio is the median over the rounds: sentences/s against the peer with its process
  start, and without it (the time to tag a one-line file subtracted; the stricter
  comparison);
- load: for ``--workers 1`` and ``2``, --clients concurrent clients post one-sentence
  ``/v1/tag`` requests for --seconds (each client waits for its answer before the next
  request), then the same with batches of 64 sentences: requests/s, sentences/s and
  p50/p99 latency; plus ``--workers 1`` with a 2 ms batch window and with micro-batching
  off (``--max-batch 1``), to see what joining requests buys;
- coldstart: ``seqnlp serve`` from process start to the first answered ``/v1/tag``,
  median of 5;
- memory: one worker's RSS (and peak RSS) with the three default models loaded, before
  and after the load test;
- screenshot: the page in headless Chromium after tagging a sentence, looking up a word
  and solving an analogy, saved to tests/benchmarks/results/serve-page.png.

The clients are a small asyncio HTTP/1.1 keep-alive client in this process (lighter than
a full HTTP library, so that less of the 2 cores goes to the load generator); their CPU
time is reported beside the figures. Everything is bounded: each configuration stops
after --seconds, and every server is stopped at the end. Results go to
tests/benchmarks/results/serve.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.provenance import provenance  # noqa: E402
from tests.serve.conftest import free_port, start_server, stop_server  # noqa: E402

RESULTS = Path(__file__).parent / "results"
SCREENSHOT = RESULTS / "serve-page.png"


def ewt_test_texts() -> list[str]:
    from seqnlp.corpus import read_conllu
    from seqnlp.datasets import dataset_path

    path = dataset_path("ud-english-ewt", "test")
    return [s.text for s in read_conllu(path) if s.text.strip()]


def seqnlp_command() -> str:
    beside = Path(sys.executable).with_name("seqnlp")
    return str(beside) if beside.exists() else shutil.which("seqnlp")


# ---------------------------------------------------------------------------- peer


def _tag_file_seconds(path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [seqnlp_command(), "tag", "--input", str(path)], check=True, stdout=subprocess.DEVNULL
        )
        times.append(time.perf_counter() - start)
    return min(times)


def peer_file(texts: list[str], lines: int, directory: Path) -> tuple[Path, Path]:
    repeated = (texts * (lines // len(texts) + 1))[:lines]
    path, one = directory / "sentences.txt", directory / "one.txt"
    path.write_text("\n".join(repeated) + "\n", encoding="utf-8")
    one.write_text(texts[0] + "\n", encoding="utf-8")
    return path, one


def peer(path: Path, one: Path, lines: int) -> dict:
    """One ``seqnlp tag --input FILE`` run: sentences/s with and without its process
    start (the time to tag a one-line file, measured just before)."""
    start_up = _tag_file_seconds(one, 1)
    seconds = _tag_file_seconds(path, 1)
    return {
        "seconds": round(seconds, 3),
        "start_up_s": round(start_up, 3),
        "sentences_per_s": round(lines / seconds, 1),
        "sentences_per_s_without_start_up": round(lines / max(seconds - start_up, 1e-9), 1),
    }


# ---------------------------------------------------------------------------- load


class Connection:
    """One keep-alive HTTP/1.1 connection that posts JSON and reads the answer."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def _load(port: int, bodies: list[bytes], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    stop = 0.0

    async def client(n: int) -> None:
        nonlocal errors
        connection = Connection(port)
        i = n
        try:
            while time.perf_counter() < stop:
                start = time.perf_counter()
                status = await connection.post("/v1/tag", bodies[i % len(bodies)])
                latencies.append(time.perf_counter() - start)
                errors += status != 200
                i += clients
        finally:
            connection.close()

    # warm-up: one request per client, not measured
    warm = [Connection(port) for _ in range(clients)]
    await asyncio.gather(*(c.post("/v1/tag", bodies[0]) for c in warm))
    for c in warm:
        c.close()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(*(client(n) for n in range(clients)))
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    ms = sorted(1000 * x for x in latencies)
    return {
        "requests": len(ms),
        "errors": errors,
        "seconds": round(wall, 2),
        "requests_per_s": round(len(ms) / wall, 1),
        "p50_ms": round(ms[len(ms) // 2], 2),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 2),
        "max_ms": round(ms[-1], 2),
        "load_generator_cpu_s": round(
            cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 2
        ),
    }


def _rss(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    values = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mib": values.get("VmRSS"), "peak_rss_mib": values.get("VmHWM")}


def load(
    texts: list[str],
    clients: int,
    seconds: float,
    log_dir: Path,
    only: list[str] | None = None,
    peer_lines: int = 10_000,
) -> dict:
    """Each configuration in turn; the peer runs right after each batched test, so that
    the two are compared under the same load from the machine's other jobs."""
    singles = [json.dumps({"text": t}).encode() for t in texts]
    batches = [
        json.dumps({"texts": texts[i : i + 64]}).encode() for i in range(0, len(texts) - 63, 64)
    ]
    configs = [
        ("workers_1", ["--workers", "1"], True),
        ("workers_2", ["--workers", "2"], True),
        ("workers_1_window_2ms", ["--workers", "1", "--batch-window", "2"], False),
        ("workers_1_no_batching", ["--workers", "1", "--max-batch", "1"], False),
    ]
    results: dict = {}
    path, one = peer_file(texts, peer_lines, log_dir)
    for name, args, with_batches in configs:
        if only and name not in only:
            continue
        server = start_server(log_dir / f"{name}.log", *args)
        try:
            result: dict = {"args": " ".join(args)}
            if name == "workers_1":
                result["memory_after_load"] = _rss(server.process.pid)
            result["single_sentence"] = asyncio.run(_load(server.port, singles, clients, seconds))
            if with_batches:
                result["batch_of_64"] = batched(server.port, batches, clients, seconds, path, one)
            if name == "workers_1":
                result["memory_after_test"] = _rss(server.process.pid)
        finally:
            stop_server(server)
        results[name] = result
        print(name, json.dumps(result), flush=True)
    return results


def batched(port, batches, clients, seconds, path, one, rounds: int = 3) -> dict:
    """Batches of 64 for ``seconds`` in ``rounds`` parts, each followed by a run of the peer
    on the same sentences (the server idles meanwhile): on a machine shared with other
    jobs, only figures taken close together compare."""
    parts, peers = [], []
    for _ in range(rounds):
        parts.append(asyncio.run(_load(port, batches, clients, seconds / rounds)))
        peers.append(peer(path, one, sum(1 for _ in path.open(encoding="utf-8"))))
    requests = sum(p["requests"] for p in parts)
    wall = sum(p["seconds"] for p in parts)
    ratios = [
        64 * b["requests_per_s"] / p["sentences_per_s"] for b, p in zip(parts, peers, strict=True)
    ]
    strict = [
        64 * b["requests_per_s"] / p["sentences_per_s_without_start_up"]
        for b, p in zip(parts, peers, strict=True)
    ]
    return {
        "requests": requests,
        "errors": sum(p["errors"] for p in parts),
        "seconds": round(wall, 2),
        "requests_per_s": round(requests / wall, 1),
        "sentences_per_s": round(64 * requests / wall, 1),
        "p50_ms_per_round": [p["p50_ms"] for p in parts],
        "p99_ms_per_round": [p["p99_ms"] for p in parts],
        "rounds": [
            {"server_sentences_per_s": round(64 * b["requests_per_s"], 1), "peer": p}
            for b, p in zip(parts, peers, strict=True)
        ],
        "vs_peer_median": round(statistics.median(ratios), 3),
        "vs_peer_without_start_up_median": round(statistics.median(strict), 3),
    }


# ---------------------------------------------------------------------------- cold start


def coldstart(runs: int = 5) -> dict:
    import urllib.error
    import urllib.request

    body = json.dumps({"text": "I saw a saw"}).encode()
    times = []
    for _ in range(runs + 1):  # the first run warms the file cache and is not counted
        port = free_port()
        start = time.perf_counter()
        process = subprocess.Popen(
            [seqnlp_command(), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/v1/tag",
                    data=body,
                    headers={"content-type": "application/json"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=5) as response:
                        response.read()
                        break
                except (urllib.error.URLError, ConnectionError):
                    if time.perf_counter() - start > 60:
                        raise RuntimeError("seqnlp serve did not start within 60 s") from None
                    time.sleep(0.01)
            times.append(time.perf_counter() - start)
        finally:
            process.terminate()
            process.wait(timeout=15)
    return {
        "command": "seqnlp serve, then POST /v1/tag until it answers",
        "runs": runs,
        "median_s": round(statistics.median(times[1:]), 3),
        "all_s": [round(t, 3) for t in times[1:]],
    }


# ---------------------------------------------------------------------------- screenshot


def screenshot(log_dir: Path) -> str:
    from playwright.sync_api import sync_playwright

    from tests.serve.browser import analyse, find_chromium, launch

    executable = find_chromium()
    if not executable:
        return "skipped: no chromium"
    server = start_server(log_dir / "screenshot.log")
    try:
        with sync_playwright() as p:
            browser = launch(p, executable)
            page = browser.new_page(viewport={"width": 1000, "height": 900})
            analyse(page, server.url)
            page.locator("#tags .tok").nth(1).hover()  # show one Penn tag
            page.screenshot(path=str(SCREENSHOT), full_page=True)
            browser.close()
    finally:
        stop_server(server)
    return str(SCREENSHOT.relative_to(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="per configuration")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--peer-lines", type=int, default=10_000)
    parser.add_argument("--skip-screenshot", action="store_true")
    parser.add_argument(
        "--only", nargs="+", metavar="CONFIG", help="load configurations to run (a quick look)"
    )
    args = parser.parse_args()

    texts = ewt_test_texts()
    load_before = os.getloadavg()[0]
    result: dict = {"sentences": len(texts), "clients": args.clients, "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as tmp:
        result["load"] = load(
            texts, args.clients, args.seconds, Path(tmp), args.only, args.peer_lines
        )
        if args.only:  # a partial run: print, keep the results file as it was
            return
        result["coldstart"] = coldstart()
        print("coldstart", json.dumps(result["coldstart"]), flush=True)
        if not args.skip_screenshot:
            result["screenshot"] = screenshot(Path(tmp))
    result.update(provenance())
    result["machine"]["load_average_1min_before"] = round(load_before, 2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
