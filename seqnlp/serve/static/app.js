// The seqnlp page: plain JS over the server's JSON API, nothing loaded from elsewhere.
"use strict";

const UPOS = {
  ADJ: "adjective", ADP: "adposition", ADV: "adverb", AUX: "auxiliary",
  CCONJ: "coordinating conjunction", DET: "determiner", INTJ: "interjection", NOUN: "noun",
  NUM: "numeral", PART: "particle", PRON: "pronoun", PROPN: "proper noun",
  PUNCT: "punctuation", SCONJ: "subordinating conjunction", SYM: "symbol", VERB: "verb",
  X: "other",
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, text = "") {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

async function api(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = (data.error && data.error.message) || `HTTP ${response.status}`;
    throw new Error(message);
  }
  return data.results;
}

function busy(statusId, form, on) {
  form.setAttribute("aria-busy", on ? "true" : "false");
  for (const b of form.querySelectorAll("button")) b.disabled = on;
  if (on) $(statusId).textContent = "Working…";
}

function fail(statusId, error) {
  const status = $(statusId);
  status.textContent = error.message;
  status.classList.add("error");
}

function ok(statusId, text = "") {
  const status = $(statusId);
  status.textContent = text;
  status.classList.remove("error");
}

// ---------------------------------------------------------------- text
function showTags(result) {
  const box = $("tags");
  box.replaceChildren();
  const seen = new Set();
  for (const sentence of result.sentences) {
    const p = el("p", { class: "sentence" });
    for (const t of sentence.tokens) {
      const tok = el("button", {
        type: "button",
        class: `tok upos-${t.upos}`,
        title: `${t.upos} (${UPOS[t.upos] || t.upos}), Penn ${t.xpos}`,
        "aria-label": `${t.word}: ${UPOS[t.upos] || t.upos}, Penn tag ${t.xpos}`,
        "data-upos": t.upos,
        "data-xpos": t.xpos,
      });
      tok.append(el("span", { class: "word" }, t.word), el("span", { class: "upos" }, t.upos));
      tok.append(el("span", { class: "xpos", "aria-hidden": "true" }, t.xpos));
      tok.addEventListener("click", () => {
        $("word").value = t.word.toLowerCase();
        tok.classList.toggle("show-xpos");
      });
      p.append(tok, " ");
      seen.add(t.upos);
    }
    box.append(p);
  }
  const legend = $("legend");
  legend.replaceChildren();
  for (const tag of Object.keys(UPOS).filter((t) => seen.has(t))) {
    legend.append(el("span", { class: `key upos-${tag}` }, `${tag} ${UPOS[tag]}`), " ");
  }
}

function showSentiment(prediction) {
  const box = $("sentiment");
  box.replaceChildren();
  const pct = (p) => `${Math.round(p * 1000) / 10} %`;
  const label = el("p", { class: `label ${prediction.label}`, id: "sentiment-label" });
  label.append(el("strong", {}, prediction.label), ` ${pct(prediction.probability)}`);
  box.append(label);
  // one bar per label, named by the model's own labels (neg/pos, 1-5 stars...)
  for (const [name, p] of Object.entries(prediction.probabilities)) {
    const row = el("div", { class: "prob" });
    row.append(
      el("span", { class: "name" }, name),
      el("meter", { min: "0", max: "1", value: String(p), "aria-label": `Probability of ${name}`, "data-label": name }),
      el("span", { class: "score" }, pct(p)),
    );
    box.append(row);
  }
}

async function analyseText(event) {
  event.preventDefault();
  const form = $("text-form");
  const text = $("text").value;
  busy("text-status", form, true);
  try {
    const [tags, sentiment] = await Promise.all([
      api("/v1/tag", { text }),
      api("/v1/sentiment", { text }),
    ]);
    showTags(tags[0]);
    showSentiment(sentiment[0]);
    ok("text-status");
  } catch (error) {
    $("tags").replaceChildren();
    $("legend").replaceChildren();
    $("sentiment").replaceChildren();
    fail("text-status", error);
  } finally {
    busy("text-status", form, false);
  }
}

// ---------------------------------------------------------------- word
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text = "") {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function showMap(points) {
  const map = $("map");
  map.replaceChildren();
  points.forEach((p, i) => {
    const x = 100 * p.x;
    const y = -100 * p.y; // up is positive
    const query = i === 0 ? "query" : "point";
    map.append(svg("circle", { cx: x, cy: y, r: i === 0 ? 4.5 : 3, class: query }));
    map.append(svg("text", { x: x + 5, y: y + 3, class: query }, p.word));
  });
}

async function findNeighbours(event) {
  if (event) event.preventDefault();
  const form = $("word-form");
  busy("word-status", form, true);
  try {
    const [result] = await api("/v1/similar", { word: $("word").value, topn: 12, map: true });
    const list = $("neighbours");
    list.replaceChildren();
    for (const n of result.neighbours) {
      const item = el("li");
      item.append(el("span", { class: "nword" }, n.word), el("span", { class: "score" }, n.similarity.toFixed(3)));
      list.append(item);
    }
    showMap(result.map);
    ok("word-status");
  } catch (error) {
    // the previous word's neighbours must not stand under this word's error
    $("neighbours").replaceChildren();
    $("map").replaceChildren();
    fail("word-status", error);
  } finally {
    busy("word-status", form, false);
  }
}

async function solveAnalogy(event) {
  if (event) event.preventDefault();
  const form = $("analogy-form");
  busy("analogy-status", form, true);
  try {
    const [result] = await api("/v1/analogy", {
      a: $("analogy-a").value, b: $("analogy-b").value, c: $("analogy-c").value, topn: 5,
    });
    const list = $("analogy");
    list.replaceChildren();
    for (const answer of result.answers) {
      const item = el("li");
      item.append(el("span", { class: "nword" }, answer.word), el("span", { class: "score" }, answer.score.toFixed(3)));
      list.append(item);
    }
    ok("analogy-status", `${result.a} − ${result.b} + ${result.c} ≈ ${result.answers[0].word}`);
  } catch (error) {
    $("analogy").replaceChildren();
    fail("analogy-status", error);
  } finally {
    busy("analogy-status", form, false);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("text-form").addEventListener("submit", analyseText);
  $("word-form").addEventListener("submit", findNeighbours);
  $("analogy-form").addEventListener("submit", solveAnalogy);
  // Ctrl+Enter (or Cmd+Enter) in the text box analyses, as Enter does in the word boxes
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) $("text-form").requestSubmit();
  });
});
