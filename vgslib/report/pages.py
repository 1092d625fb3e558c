"""What the book's ingredient and back-matter pages compute: they narrate, and call these.

Every function reads what `make prepare` and the runs wrote; none builds data. A page glues the numbers a
function returns (`glue_all`) and displays its tables.
"""

from __future__ import annotations

import json
import os

import pandas as pd

from vgslib import paths
from vgslib.encoders.prepare import REPORT, prepared_world_dir
from vgslib.results import tables
from vgslib.sources import manifest
from vgslib.sources.manifest import Manifest

HOW_TO_PREPARE = "run `make prepare` (or `python -m vgslib prepare`) first"
HOW_TO_RUN = "run `make book` (or `python -m vgslib grid controls`) first"


class MissingInput(RuntimeError):
    """A page's inputs (prepared data, runs of a condition, the analysis) are not there. `python -m vgslib book`
    renders such a page as a short page saying what is missing and how to make it, instead of failing the build
    (`make book`, which makes every input, still requires every page)."""


def glue_all(numbers: dict) -> None:
    """Glue every (name, value) for the page's prose (`{glue:text}` roles), without displaying them."""
    from myst_nb import glue

    for name, value in numbers.items():
        glue(name, value, display=False)


def require_runs(table: pd.DataFrame) -> pd.DataFrame:
    """`table` if it holds complete runs, else an error saying how to make them."""
    if table.empty:
        raise MissingInput(f"no complete runs: {HOW_TO_RUN}")
    return table


def study_results(preset: str) -> dict:
    """The statistics the analysis notebook wrote for `preset`'s runs (`vgslib.results.analysis.read`)."""
    from vgslib.results import analysis

    try:
        return analysis.read(paths.results_dir(preset))
    except FileNotFoundError as missing:
        raise MissingInput(str(missing)) from None


def read_json(path: str) -> dict:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist; {HOW_TO_PREPARE}")
    with open(path) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- the miniature world


def world() -> tuple[Manifest, dict]:
    """The prepared data: its manifest and, for the miniature world, its `world.json` (config and digest); for a
    real corpus, {"corpus": its folder}."""
    folder = prepared_world_dir()
    report = os.path.join(paths.data_root(), REPORT)
    corpus = read_json(report)["config"]["corpus"] if os.path.exists(report) else "miniature"
    if corpus != "miniature":
        return manifest.load(folder), {"corpus": folder}
    return manifest.load(folder), read_json(os.path.join(folder, "world.json"))


# ----------------------------------------------------------------------------- the statistics appendix

NAN = float("nan")


def markdown_table(table: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (shown with `display(Markdown(...))`, so roles like {doc} work in it)."""
    return table.to_markdown(index=False)


# ----------------------------------------------------------------------------- real corpora


LANGS = ("en", "fr", "nl")


def pct(x: float) -> str:
    return f"{100 * x:.1f}"


def table1_runs(trials: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """(the preset the chapter reports, its trials labelled with their conditions)."""
    preset = tables.choose_preset(trials.preset)
    return preset, trials[trials.preset == preset]
