"""Several processes on one model directory: tagging at once, and replacing it while read."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import numpy as np

from seqnlp.tagger import Tagger


def test_two_processes_tag_with_one_model_at_once(tiny_models, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text("I saw a saw.\nThe dog barked.\n" * 2000, encoding="utf-8")
    command = [sys.executable, "-m", "seqnlp", "tag", "-m", str(tiny_models["tagger"])]
    processes = [
        subprocess.Popen([*command, "-i", str(text)], stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0]
    assert outputs[0] == outputs[1] and len(outputs[0].splitlines()) == 4000


READER = """
import sys, time
import numpy as np
from seqnlp.errors import ModelFileError
from seqnlp.tagger import Tagger
seen, missing, end = set(), 0, time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        tagger = Tagger.load(sys.argv[1])
    except ModelFileError:
        missing += 1  # between the two renames of a swap the directory is briefly absent
        continue
    name, bias = tagger.meta["name"], float(tagger.tensors["upos_head.bias"][0])
    assert round(bias) == {"old": 0, "new": 100}[name], (name, bias)  # never a mix
    tagger.predict(["I saw a saw."])
    seen.add(name)
print(" ".join(sorted(seen)), missing)
"""


def test_replacing_the_model_while_another_process_reads_it(tiny_models, tmp_path):
    original = Tagger.load(tiny_models["tagger"])
    versions = {}
    for name, bias in (("old", 0.0), ("new", 100.0)):
        tensors = dict(original.tensors)
        tensors["upos_head.bias"] = np.full_like(tensors["upos_head.bias"], bias)
        versions[name] = Tagger(original.config, original.vocabs, tensors, {"name": name})
    target = tmp_path / "model"
    versions["old"].save(target, dtype="float32")
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), "4"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # let it import and read the old model a few times
    swaps = 0
    while reader.poll() is None:
        versions["new" if swaps % 2 == 0 else "old"].save(target, overwrite=True, dtype="float32")
        swaps += 1
    out, err = reader.communicate()
    assert reader.returncode == 0, err[-2000:]
    *seen, _missing = out.split()
    assert swaps > 5 and set(seen) == {"old", "new"}
    assert not [p for p in tmp_path.iterdir() if p.name != "model"]  # no temp dirs left
    shutil.rmtree(target)
