"""Checks over the built book's HTML, run after every `python -m vgslib book` (strict builds fail on them):
every figure numbered, captioned and described for screen readers; every audio player labelled; no
placeholder or MyST role left unrendered in the text; no output showing a traceback; every glossary term defined
once; every exercise with its solution."""

from __future__ import annotations

import glob
import os
import re

from bs4 import BeautifulSoup

# Text that means something was not rendered: a MyST role or glue left verbatim, an empty <placeholder>
# swallowed by the HTML (`runs/-seed`), a number that is not one.
UNRENDERED = [
    (re.compile(r"\{(glue(:\w+)?|doc|term|cite|ref|numref)\}`"), "a MyST role left unrendered"),
    (re.compile(r"/-seed|--seed\d|runs/-"), "an empty placeholder in a path (an unescaped <...>?)"),
    (re.compile(r"(?<![\w.])nan ?%|\bNaN\b"), "a missing number (nan) in the text"),
]


def _text(soup: BeautifulSoup) -> str:
    main = soup.find("main") or soup
    for tag in main.find_all(["script", "style", "pre", "code"]):
        tag.decompose()
    return main.get_text(" ")


def check_page(html: str, name: str) -> list[str]:
    """Problems of one built page, each naming the page."""
    soup = BeautifulSoup(html, "html.parser")
    problems = []
    if soup.select(".output.traceback"):  # a cell, or a chart's display, failed: the reader would see the error
        problems.append(f"{name}: an output shows a Python traceback")
    for fig in soup.select("figure.vgs-figure"):
        caption = fig.find("figcaption")
        label = (fig.select_one("[role=img]") or {}).get("aria-label", "") or (fig.find("img") or {}).get("alt", "")
        if caption is None or not caption.get_text(strip=True).startswith("Figure"):
            problems.append(f"{name}: figure {fig.get('id')} has no numbered caption")
        if len(label) < 20:
            problems.append(f"{name}: figure {fig.get('id')} has no description for screen readers")
    for fig in soup.select("figure:not(.vgs-figure):not(.vgs-audio)"):  # Sphinx figures would number apart
        problems.append(f"{name}: a figure outside the book's one numbering ({fig.get('id')})")
    ids = [f.get("id") for f in soup.select("figure.vgs-figure")]
    if len(ids) != len(set(ids)):
        problems.append(f"{name}: figure numbers repeat ({ids})")
    for audio in soup.find_all("audio"):
        if len(audio.get("aria-label", "")) < 5:
            problems.append(f"{name}: an audio player without a label (word, language, voice)")
    exercises, solutions = soup.select("div.exercise"), soup.select("div.solution")
    if len(solutions) < len(exercises):
        problems.append(f"{name}: {len(exercises)} exercises but {len(solutions)} solutions")
    text = _text(soup)
    for pattern, what in UNRENDERED:
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 40) : match.end() + 40].replace("\n", " ")
            problems.append(f"{name}: {what}: ...{context}...")
    return problems


def glossary_terms(html: str) -> list[str]:
    soup = BeautifulSoup(html, "html.parser")
    return [dt.get_text(" ", strip=True).rstrip("¶").strip().lower() for dt in soup.select("dl.glossary dt")]


def check(build_dir: str) -> list[str]:
    """Every problem of the built HTML book under `build_dir` (e.g. _build/html)."""
    pages = sorted(glob.glob(os.path.join(build_dir, "book", "*.html")))
    if not pages:
        raise FileNotFoundError(f"no built pages under {build_dir}/book: build the book first")
    problems = []
    for page in pages:
        problems += check_page(open(page, encoding="utf-8").read(), os.path.basename(page))
    glossary = os.path.join(build_dir, "book", "glossary.html")
    if os.path.exists(glossary):
        terms = glossary_terms(open(glossary, encoding="utf-8").read())
        repeated = sorted({t for t in terms if terms.count(t) > 1})
        if repeated:
            problems.append(f"glossary.html: terms defined more than once: {repeated}")
    return problems
