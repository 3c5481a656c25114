"""Drive the seqnlp page in a real headless Chromium (Playwright over Debian's browser).

Shared by the browser test and the benchmark that takes the README's screenshot.
``playwright install`` downloads its own browser build, which fails offline; Debian's
``chromium`` package (``apt-get install -y chromium``, done by ``.ci/run``) is used instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SENTENCE = "I saw a saw. The new film is a gripping, funny ride."


def find_chromium() -> str | None:
    """A Chromium binary: ``SEQNLP_CHROMIUM``, else Debian's or one on PATH."""
    candidates = [os.environ.get("SEQNLP_CHROMIUM"), "/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def launch(playwright, executable: str):
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def analyse(page, url: str, text: str = SENTENCE) -> None:
    """Open the page, type ``text`` and submit it from the keyboard, then ask for
    France's neighbours and king - man + woman; waits until every answer is shown."""
    page.goto(url)
    page.locator("#text").fill(text)
    page.locator("#text").focus()
    page.keyboard.press("Tab")  # to the Analyse button
    page.keyboard.press("Enter")
    page.locator("#sentiment-label").wait_for()
    page.locator("#tags .tok").first.wait_for()
    page.locator("#word").fill("france")
    page.locator("#word").press("Enter")
    page.locator("#map circle").first.wait_for()
    for field, word in (("a", "king"), ("b", "man"), ("c", "woman")):
        page.locator(f"#analogy-{field}").fill(word)
    page.locator("#analogy-c").press("Enter")
    page.locator("#analogy li").first.wait_for()
