"""The book's pages narrate and call: their code lives in `vgslib.report`, where it is tested."""

import glob
import os
import re

import pytest

from vgslib import paths

PAGES = sorted(glob.glob(os.path.join(paths.REPO_ROOT, "book", "*.md")))
MAX_LINES = 15  # a cell longer than this means the library is missing a function


def _cells(page: str) -> list[str]:
    text = open(page).read()
    return [c for c in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", text, re.S)]


def _code(cell: str) -> list[str]:
    return [line for line in cell.splitlines() if line.strip() and not line.startswith(":")]


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_pages_define_no_functions_and_keep_cells_short(page):
    for cell in _cells(page):
        code = _code(cell)
        assert not any(re.match(r"\s*(def|class|lambda)\b", line) for line in code), (page, code[0])
        assert len(code) <= MAX_LINES, f"{os.path.basename(page)}: a cell of {len(code)} lines starts {code[0]!r}"


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_pages_never_build_data(page):
    code = "\n".join(line for cell in _cells(page) for line in _code(cell))
    for builder in ("prepare(", "miniature.build", "load_or_pretrain", "experiment.run", "run_grid"):
        assert builder not in code, f"{os.path.basename(page)} calls {builder}"


def test_the_ff_bar_is_written_once():
    """The 90 % familiar–familiar bar is a library constant, never a literal in a page."""
    for page in PAGES:
        code = "\n".join(line for cell in _cells(page) for line in _code(cell))
        assert not re.search(r"\b0\.9\b", code), page


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_a_page_with_charts_renders_them_offline(page):
    """A chart on a page without the book's offline renderer loads vega from a CDN: offline, it shows an error
    instead of the figure."""
    code = "\n".join(line for cell in _cells(page) for line in _code(cell))
    if re.search(r"charts\.(?!use_book_theme)\w+_chart\(|charts\.\w+\(", code.replace("charts.use_book_theme()", "")):
        assert "charts.use_book_theme()" in code, os.path.basename(page)


def test_every_reference_is_cited_and_every_citation_exists():
    """The bibliography lists every entry of references.bib: each must be cited somewhere in the book."""
    bib = open(os.path.join(paths.REPO_ROOT, "book", "references.bib")).read()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    text = "\n".join(open(p).read() for p in PAGES)
    cited = {k.strip() for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", text) for k in group.split(",")}
    assert not keys - cited, f"never cited: {sorted(keys - cited)}"
    assert not cited - keys, f"cited but not in references.bib: {sorted(cited - keys)}"
    assert "others" not in bib, "list every author: 'and others' prints as 'Chen and others'"


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_every_exercise_has_a_solution_that_runs_its_code_or_answers_in_prose(page):
    text = open(page).read()
    exercises = re.findall(r"```\{exercise\}[^\n]*\n:label: (\S+)", text)
    for label in exercises:
        start = re.search(r"```\{solution-start\} " + re.escape(label) + r"\n(.*?)```\{solution-end\}", text, re.S)
        assert start, f"{os.path.basename(page)}: exercise {label} has no solution"
        # A recomputation's solution runs its code in the build; an interpretive question's is an answer in prose.
        body = start.group(1)
        prose = len(re.findall(r"[A-Za-z]+", re.sub(r"```.*?```", "", body, flags=re.S)))
        assert "```{code-cell}" in body or prose >= 40, f"{os.path.basename(page)}: the solution of {label} is empty"


def test_the_results_chapters_teach():
    """Each results chapter opens with learning objectives and has at least three exercises."""
    for name in ("first-results", "me", "bilingual", "geometry", "space", "beyond", "ingredients"):
        text = open(os.path.join(paths.REPO_ROOT, "book", f"{name}.md")).read()
        assert "Learning objectives" in text.split("## ")[0], name
        assert len(re.findall(r"```\{exercise\}", text)) >= 3, name
