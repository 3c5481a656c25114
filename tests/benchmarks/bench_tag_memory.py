"""Peak memory of ``seqnlp tag --input`` on real text, run on demand:
``python tests/benchmarks/bench_tag_memory.py`` (about two minutes).

Three inputs from the dataset mirror (../shared/data): the raw text of UD English EWT's
training sentences (1 MB, one sentence a line), the first 8 MB of the Wikipedia extract
(WikiExtractor paragraphs, long lines) and 2 MB of that extract as one line with no line
or sentence ends. Peak RSS (``ru_maxrss`` of the command alone), seconds and tokens/s go to
tests/benchmarks/results/tag_memory.json. Before batches were bounded in padded tokens
(issue #30) the EWT text peaked at 440 MiB and the 2 MB line at 253 MiB.
"""

from __future__ import annotations

import json
import lzma
import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import SHARED_DATA  # noqa: E402
from tests.robustness.test_inputs import _tag_file  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "tag_memory.json"
MB = 2**20


def inputs(directory: Path) -> dict[str, Path]:
    """Write the three inputs into ``directory``."""
    conllu = SHARED_DATA / "ud_english_ewt" / "en_ewt-ud-train.conllu"
    ewt = directory / "ewt-train.txt"
    with conllu.open(encoding="utf-8") as f:
        ewt.write_text("".join(line[9:] for line in f if line.startswith("# text = ")))
    with lzma.open(SHARED_DATA / "wikipedia_en" / "enwiki_extract_part1_AA-AB.txt.xz") as f:
        wiki = f.read(8 * MB).decode("utf-8", errors="ignore")
    wikipedia = directory / "wikipedia-8mb.txt"
    wikipedia.write_text(wiki, encoding="utf-8")
    line = directory / "one-line-2mb.txt"
    line.write_text(re.sub(r"[\n.!?]+", " ", wiki[: 2 * MB]), encoding="utf-8")
    return {"ewt_train_text_1mb": ewt, "wikipedia_8mb": wikipedia, "one_line_2mb": line}


def main() -> None:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, path in inputs(Path(tmp)).items():
            output = Path(tmp) / "out.txt"
            code, peak, seconds = _tag_file(path, output)
            if code:
                raise SystemExit(f"seqnlp tag failed on {name}")
            tokens = sum(line.count(" ") + 1 for line in output.open(encoding="utf-8"))
            results[name] = {
                "megabytes": round(path.stat().st_size / MB, 2),
                "peak_rss_mib": round(peak),
                "seconds": round(seconds, 1),
                "tokens_per_second": round(tokens / seconds),
            }
            print(name, results[name], flush=True)
    results["load_average_1min"] = round(os.getloadavg()[0], 2)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
