"""Texts shared by the batch and Spark tests: varied sentences and the bad rows."""

from __future__ import annotations

TEXTS = [
    "I saw a saw.",
    "a gripping, funny film",
    "The plot is thin and the acting is wooden. I left early.",
    "not bad at all",
    "Mr. Smith can't come at 10:30 p.m. on Friday!",
    "the worst movie of the year",
    "東京は大きい",
    "great phone 👍",
    "!!!",
    "a",
    "It was neither funny nor moving, and far too long.",
    "Visually stunning but emotionally hollow.",
    "She sells sea shells by the sea shore.",
    "We loved every minute; the kids did too.",
]
# each bad row and the error it gets (a 1 MB text is over the 100,000-character limit)
BAD_ROWS = {
    None: "null text",
    "": "empty text",
    "  \t ": "empty text",
    "word " * 200_000: "text of 1,000,000 characters, over the limit of 100,000",
}
