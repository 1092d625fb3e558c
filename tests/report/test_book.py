"""`python -m vgslib book` builds in a staging folder and replaces the old book only with a finished one."""

import os

import pytest

from vgslib.report import book, htmlcheck


def _stand_in(tmp_path, script: str) -> str:
    """A `jupyter-book` that runs `script` with $OUT set to the folder it is told to build into."""
    path = tmp_path / "jupyter-book"
    path.write_text('#!/bin/sh\nwhile [ "$1" != "--path-output" ]; do shift; done\nOUT=$2\n' + script)
    path.chmod(0o755)
    return str(path)


def _build_with(monkeypatch, tmp_path, script: str) -> int:
    monkeypatch.setattr(book, "write_vega_bundle", lambda: None)
    monkeypatch.setattr(book, "write_page_notebooks", lambda: None)
    monkeypatch.setattr(book, "execute_pages", lambda source, cache: {})
    monkeypatch.setattr(book, "_jupyter_book", lambda: _stand_in(tmp_path, script))
    monkeypatch.setattr(htmlcheck, "check", lambda built: [])  # the stand-in's pages are not a book
    return book.build(output=str(tmp_path), strict=False)


def _old_book(tmp_path):
    old = tmp_path / "_build" / "html"
    old.mkdir(parents=True)
    (old / "index.html").write_text("old")
    (old / "gone.html").write_text("a page the new book no longer has")
    return old


def test_a_finished_build_replaces_the_old_book_with_only_its_own_pages(monkeypatch, tmp_path):
    old = _old_book(tmp_path)
    code = _build_with(
        monkeypatch, tmp_path, 'mkdir -p "$OUT/_build/html" && echo new > "$OUT/_build/html/index.html"\n'
    )
    assert code == 0
    assert sorted(os.listdir(old)) == ["index.html"] and (old / "index.html").read_text() == "new\n"
    assert not os.path.exists(tmp_path / "_build" / ".staging")


def test_a_build_that_stops_before_its_end_leaves_the_old_book(monkeypatch, tmp_path):
    old = _old_book(tmp_path)
    (tmp_path / "_build" / ".staging" / "_build").mkdir(parents=True)  # left by an earlier killed build
    code = _build_with(monkeypatch, tmp_path, 'mkdir -p "$OUT/_build/.doctrees"\nexit 2\n')
    assert code == 2
    assert (old / "index.html").read_text() == "old" and (old / "gone.html").exists()
    assert not os.path.exists(tmp_path / "_build" / ".staging")


def test_the_student_edition_keeps_every_exercise_and_no_solution(tmp_path):
    import json

    written = book.write_page_notebooks(str(tmp_path / "student"), student=True)
    full = {os.path.basename(p): p for p in book.write_page_notebooks(str(tmp_path / "instructor"))}
    assert written and len(written) == len(full)
    for path in written:
        student = json.load(open(path))
        instructor = json.load(open(full[os.path.basename(path)]))
        text = lambda nb: "\n".join("".join(c["source"]) for c in nb["cells"])  # noqa: E731
        exercises = text(instructor).count("```{exercise}")
        assert text(student).count("```{exercise}") == exercises, path  # every question stays
        assert "solution-start" not in text(student) and "solution-end" not in text(student)
        assert text(student).count("*Your answer:*") == text(instructor).count("```{solution-start}")
    me = json.load(open(tmp_path / "student" / "me.ipynb"))
    assert "binomtest(k, 50, 0.5)" not in "".join("".join(c["source"]) for c in me["cells"])  # a solution's code


def test_a_solution_that_never_closes_is_named():
    import nbformat
    import pytest

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("```{solution-start} ex\n```")])
    with pytest.raises(ValueError, match="never closes"):
        book.student_edition(notebook)


def test_pages_that_lack_their_inputs_are_told_apart_from_pages_that_broke(tmp_path):
    reports = tmp_path / "reports" / "book"
    reports.mkdir(parents=True)
    (reports / "me.err.log").write_text(
        "Traceback ...\n\x1b[31mMissingInput\x1b[39m: no complete runs: run `make book`\n"
    )
    (reports / "beyond.err.log").write_text(
        "Traceback ...\n\x1b[31mAttributeError\x1b[39m: 'DataFrame' has no 'preset'\n"
    )
    assert book.missing_inputs(str(tmp_path)) == {"book/beyond": "", "book/me": "no complete runs: run `make book`"}


def test_a_page_without_its_inputs_becomes_a_page_saying_so_and_the_others_stay(tmp_path):
    book.write_sources(str(tmp_path), {"book/me": "no complete runs: run `make book` first"})
    stub = (tmp_path / "book" / "me.md").read_text()
    assert stub.startswith("# ") and "no complete runs: run `make book` first" in stub and "code-cell" not in stub
    original = open(os.path.join(os.path.dirname(book.GENERATED), "bilingual.md")).read()
    assert (tmp_path / "book" / "bilingual.md").read_text() == original
    assert (tmp_path / "_toc.yml").exists() and (tmp_path / "_config.yml").exists()


def test_a_build_over_runs_that_lack_inputs_renders_a_page_saying_so(monkeypatch, tmp_path):
    """The first build stops on a page's `MissingInput`; the second builds from sources where that page says
    what it lacks. `complete` (the main job) keeps the failure instead."""
    script = (
        'if [ -f "$PWD/book/me.md" ] && grep -q "Not computed" "$PWD/book/me.md"; then\n'
        '  mkdir -p "$OUT/_build/html" && cp "$PWD/book/me.md" "$OUT/_build/html/me.txt"; exit 0; fi\n'
        'mkdir -p "$OUT/_build/html/reports/book"\n'
        'echo "MissingInput: no complete runs" > "$OUT/_build/html/reports/book/me.err.log"; exit 1\n'
    )
    assert _build_with(monkeypatch, tmp_path, script) == 0
    assert "no complete runs" in (tmp_path / "_build" / "html" / "me.txt").read_text()
    monkeypatch.setattr(book, "write_vega_bundle", lambda: None)
    assert book.build(output=str(tmp_path / "strict"), strict=False, complete=True) == 1


def test_the_two_builds_of_one_call_share_an_execution_cache_of_their_own(monkeypatch, tmp_path):
    """Both builds of a book over missing inputs read a config that executes into one absolute cache folder (so
    the second re-uses the pages the first executed); the call starts that cache empty and removes it."""
    stale = tmp_path / "_build" / ".jupyter_cache"
    stale.mkdir(parents=True)
    (stale / "executed-by-another-build").write_text("old outputs")
    script = (
        'while [ "$1" != "--config" ]; do shift; done\n'
        'LOG="$(dirname "$2")/../configs.txt"; cat "$2" >> "$LOG"; ls "$(dirname "$2")/../.jupyter_cache" >> "$LOG"\n'
        'if grep -q "Not computed" "$PWD/book/me.md" 2>/dev/null; then mkdir -p "$OUT/_build/html"; exit 0; fi\n'
        'mkdir -p "$OUT/_build/html/reports/book"\n'
        'echo "MissingInput: no analysis" > "$OUT/_build/html/reports/book/me.err.log"; exit 1\n'
    )
    assert _build_with(monkeypatch, tmp_path, script) == 0
    seen = (tmp_path / "_build" / "configs.txt").read_text()  # (the stand-in builds create no cache)
    cache = f"cache: {stale}"
    assert seen.count("execute_notebooks: cache") == 2 and seen.count(cache) == 2, seen
    assert "executed-by-another-build" not in seen  # emptied before the first build
    assert not stale.exists() and not (tmp_path / "_build" / ".config").exists()


def _page(code: str) -> str:
    header = "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n  name: python3\n"
    return header + "  display_name: Python 3\n---\n\n# A page\n\n```{code-cell} ipython3\n" + code + "\n```\n"


def test_pages_are_executed_side_by_side_into_the_cache_and_a_failing_one_is_left_to_the_build(tmp_path):
    """`execute_pages` runs every MyST notebook of `book/` (and nothing else) in its own kernel, two at a time on
    one thread each, and caches what ran to its end, so that the build finds it; a failing page is not cached."""
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 120\n")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ok.md").write_text(_page('import os\nprint(41 + 1, os.environ.get("OMP_NUM_THREADS"))'))
    (tmp_path / "book" / "broken.md").write_text(_page('raise RuntimeError("this page breaks")'))
    (tmp_path / "book" / "plain.md").write_text("# Only prose\n")
    cache = str(tmp_path / "cache")
    done = book.execute_pages(str(tmp_path), cache, workers=2)
    assert {os.path.basename(page): ok for page, ok in done.items()} == {"ok.md": True, "broken.md": False}
    project = get_cache(cache)
    ok = read_myst_markdown_notebook((tmp_path / "book" / "ok.md").read_text())
    _, executed = project.merge_match_into_notebook(ok)  # what Jupyter Book's cache mode takes
    assert executed.cells[-1].outputs[0]["text"] == "42 1\n"
    broken = read_myst_markdown_notebook((tmp_path / "book" / "broken.md").read_text())
    with pytest.raises(KeyError):
        project.match_cache_notebook(broken)
