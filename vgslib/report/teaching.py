"""The teaching page (`book/teaching.md`): a path through the book in six sessions, with each session's reading
time counted from the pages themselves, and the training times this build's runs measured."""

from __future__ import annotations

import os
import re

import pandas as pd

from vgslib import paths
from vgslib.results import tables

WORDS_PER_MINUTE = 150  # a careful first reading of technical prose; code, outputs and markup are not counted

# (session, the pages to read before it, what happens in it)
SESSIONS = (
    ("1. The question", ("background", "intro", "primer"),
     "Discuss the child studies and the three accounts of ME; predict what a VGS model will do."),
    ("2. The ingredients", ("data", "encoders", "model"),
     "Listen to the miniature's words and look at its pictures; the model and its loss on the board."),
    ("3. A first run", ("rerun", "first-results"),
     "Each student runs the lab for an assigned condition, with a prediction written beforehand."),
    ("4. Is there ME?", ("me", "statistics"),
     "The class's pooled runs: ME against chance and against the untrained model; why words are random effects."),
    ("5. Bilingual models", ("bilingual",),
     "Is ME weaker in the class's bilingual runs? Compare with the paper and with the children's studies."),
    ("6. Why?", ("geometry", "space"),
     "The geometry of the learned space; which quantity predicts ME, and what the miniature cannot show."),
)  # fmt: skip

SKIP = {"beyond", "ingredients", "real-corpora", "environment"}  # not needed for the path (read them for projects)


def reading_words(page: str) -> int:
    """Words of prose on `book/<page>.md`: code cells, directives' options, roles and markup left out."""
    with open(os.path.join(paths.REPO_ROOT, "book", f"{page}.md"), encoding="utf-8") as f:
        text = f.read()
    text = re.sub(r"^---\n.*?\n---\n", "", text, flags=re.S)  # front matter
    text = re.sub(r"```\{code-cell\}.*?```", "", text, flags=re.S)  # code cells
    text = re.sub(r"^:[\w-]+:.*$", "", text, flags=re.M)  # directive options
    text = re.sub(r"\{[\w:-]+\}`([^`<]*)(<[^>]*>)?`", r"\1", text)  # roles: keep their text
    return len(re.findall(r"[A-Za-z0-9][\w'’.-]*", text))


def sessions_table() -> pd.DataFrame:
    """The six sessions: what to read before each (its minutes of reading) and what the session does."""
    rows = []
    for session, pages, activity in SESSIONS:
        words = sum(reading_words(p) for p in pages)
        rows.append({"session": session, "read before": ", ".join(pages), "reading, minutes":
                     round(words / WORDS_PER_MINUTE / 5) * 5 or 5, "in the session": activity})  # fmt: skip
    return pd.DataFrame(rows)


def run_times(summary: pd.DataFrame) -> pd.DataFrame:
    """Training time of this build's runs per preset and kind (the sum of each run's epochs, median over runs),
    as measured on the machine that trained them."""
    if summary.empty:
        return pd.DataFrame(columns=["preset", "kind", "runs", "training, seconds (median)"])
    seconds = summary.assign(seconds=summary.dir.map(tables.training_seconds))
    out = seconds.groupby(["preset", "kind"]).seconds.agg(["size", "median"]).reset_index()
    out["median"] = out["median"].round().astype(int)
    return out.rename(columns={"size": "runs", "median": "training, seconds (median)"})
