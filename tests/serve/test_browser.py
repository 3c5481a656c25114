"""The web page in a real headless Chromium: type a sentence, see tags, sentiment, a
word's neighbourhood and an analogy; keyboard only; phone-sized; nothing from elsewhere.

Skipped when Playwright or a Chromium binary is missing, except in CI (``CI=true``),
where ``.ci/run`` installs Debian's chromium and the test must run.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.serve.browser import analyse, find_chromium, launch


def _require(what: str, missing: bool) -> None:
    if missing:
        reason = f"{what} (CI installs it: see .ci/run)"
        if os.environ.get("CI"):
            pytest.fail(f"the browser test must run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    _require("the playwright package is not installed", sync_playwright is None)
    executable = find_chromium()
    _require(
        "no chromium binary (apt-get install chromium, or set SEQNLP_CHROMIUM)", not executable
    )
    with sync_playwright() as p:
        browser = launch(p, executable)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that records console errors and any request that leaves the server."""
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))

    def guard(route):
        if route.request.url.startswith("http://127.0.0.1:"):  # the servers under test
            route.continue_()
        else:
            page.problems.append(f"request to {route.request.url}")
            route.abort()

    page.route("**/*", guard)
    yield page
    context.close()


def test_tags_sentiment_neighbours_and_analogy_appear(page, server, tmp_path):
    analyse(page, server.url)
    tokens = page.locator("#tags .tok")
    assert tokens.count() == 15
    first = [
        (tokens.nth(i).locator(".word").inner_text(), tokens.nth(i).get_attribute("data-upos"))
        for i in range(4)
    ]
    assert first == [("I", "PRON"), ("saw", "VERB"), ("a", "DET"), ("saw", "NOUN")]
    # the Penn tag shows on hover, and is in the accessible name
    saw = tokens.nth(1)
    assert saw.locator(".xpos").is_hidden()
    saw.hover()
    assert saw.locator(".xpos").is_visible() and saw.locator(".xpos").inner_text() == "VBD"
    assert "VBD" in saw.get_attribute("aria-label")
    assert "UPOS" not in page.locator("#legend").inner_text()
    assert "VERB verb" in page.locator("#legend").inner_text()

    label = page.locator("#sentiment-label").inner_text()
    assert label.startswith("positive") and "%" in label

    assert page.locator("#neighbours li").count() == 12
    assert page.locator("#map circle").count() == 13
    assert page.locator("#map text").first.text_content() == "france"

    assert page.locator("#analogy li").first.locator(".nword").inner_text() == "queen"
    assert "king − man + woman ≈ queen" in page.locator("#analogy-status").inner_text()
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert page.problems == []


def test_errors_are_shown_on_the_page(page, server):
    page.goto(server.url)
    page.locator("#word").press("Enter")  # france: its neighbours and map are drawn
    page.locator("#map circle").first.wait_for()
    page.locator("#word").fill("fraance")
    page.locator("#word").press("Enter")
    status = page.locator("#word-status")
    status.filter(has_text="unknown word").wait_for()
    assert "france" in status.inner_text()
    # france's neighbours no longer stand under fraance's error (issue #30 A.10)
    assert page.locator("#neighbours li").count() == 0
    assert page.locator("#map circle").count() == 0
    page.locator("#analogy-b").fill("king")
    page.locator("#analogy-c").press("Enter")
    page.locator("#analogy-status").filter(has_text="three different words").wait_for()
    assert [p for p in page.problems if "422" not in p] == []  # the browser logs the 4xx itself


@pytest.fixture(scope="module")
def neg_pos_server(tmp_path_factory):
    """The shipped classifier with its labels renamed neg/pos, as a user's model may be."""
    from seqnlp import serialization
    from tests.serve.conftest import start_server, stop_server

    model = tmp_path_factory.mktemp("negpos") / "model"
    shutil.copytree(serialization.default_model("sentiment"), model)
    vocab = json.loads((model / "vocab.json").read_text(encoding="utf-8"))
    assert vocab["label_names"] == ["negative", "positive"]
    vocab["label_names"] = ["neg", "pos"]
    (model / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    server = start_server(model.parent / "server.log", "--sentiment", str(model))
    yield server
    stop_server(server)


def test_any_label_names_are_drawn_right(page, neg_pos_server):
    """A model whose labels are neg/pos: each label's bar shows its own probability (the
    page drew the negative class's probability as "probability of positive")."""
    page.goto(neg_pos_server.url)
    page.locator("#text").fill("A dull, lifeless and boring film.")
    page.locator("#text-form button").click()
    page.locator("#sentiment-label").wait_for()
    assert page.locator("#sentiment-label strong").inner_text() == "neg"
    neg = float(page.locator("meter[data-label='neg']").get_attribute("value"))
    pos = float(page.locator("meter[data-label='pos']").get_attribute("value"))
    assert neg > 0.5 > pos and neg + pos == pytest.approx(1, abs=1e-6)
    assert page.locator("meter[aria-label='Probability of pos']").count() == 1
    assert "Probability of positive" not in page.content()


def test_every_control_has_a_label(page, server):
    page.goto(server.url)
    for control in page.locator("input, textarea").all():
        control_id = control.get_attribute("id")
        assert page.locator(f"label[for='{control_id}']").count() == 1, control_id
    assert page.locator("html").get_attribute("lang") == "en"


def test_readable_on_a_phone(browser, server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        analyse(page, server.url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is {width} px wide on a 390 px screen"
        box = page.locator("#map").bounding_box()
        assert box["width"] > 300  # the map takes the screen's width, below the list
        # a tap shows a word's Penn tag where there is no hover
        page.locator("#tags .tok").nth(1).tap()
        assert page.locator("#tags .tok").nth(1).locator(".xpos").is_visible()
    finally:
        context.close()
