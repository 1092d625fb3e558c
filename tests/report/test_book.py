"""`python -m vgslib book` builds in a staging folder and replaces the old book only with a finished one."""

import os

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
