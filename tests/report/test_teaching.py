"""vgslib/report/teaching.py: the reading times come from the pages' prose, the run times from the runs."""

import pandas as pd

from vgslib.report import teaching


def test_reading_counts_prose_and_leaves_code_and_markup_out(tmp_path, monkeypatch):
    (tmp_path / "book").mkdir()
    page = (
        "---\nkernelspec:\n  name: python3\n---\n\n# A title here\n\nFive words of prose {doc}`model`.\n\n"
        "```{code-cell} ipython3\n:tags: [remove-cell]\nx = many + words + of + code\n```\n"
    )
    (tmp_path / "book" / "p.md").write_text(page)
    monkeypatch.setattr(teaching.paths, "REPO_ROOT", str(tmp_path))
    assert teaching.reading_words("p") == 3 + 5  # "A title here", "Five words of prose model"


def test_every_session_reads_pages_that_exist_and_takes_some_minutes():
    table = teaching.sessions_table()
    assert len(table) == 6 and (table["reading, minutes"] >= 5).all()
    assert all(teaching.reading_words(p) > 200 for _, pages, _ in teaching.SESSIONS for p in pages)


def test_run_times_are_medians_per_preset_and_kind(monkeypatch):
    monkeypatch.setattr(teaching.tables, "training_seconds", lambda run_dir: {"a": 10, "b": 30, "c": 100}[run_dir])
    summary = pd.DataFrame({"preset": "laptop", "kind": ["monolingual", "monolingual", "bilingual"],
                            "dir": ["a", "b", "c"]})  # fmt: skip
    times = teaching.run_times(summary).set_index("kind")
    assert times.loc["monolingual", "training, seconds (median)"] == 20 and times.loc["monolingual", "runs"] == 2
    assert teaching.run_times(pd.DataFrame()).empty
