"""The book's pages on an imported corpus (the reference's layout): what they read degrades to what it holds."""

import pandas as pd

from vgslib import testing
from vgslib.encoders.prepare import DataConfig, prepare, write_report
from vgslib.report import data, first_results, pages
from vgslib.sources import reference


def test_the_data_page_reads_an_imported_corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("VGSLIB_DATA", str(tmp_path / "data"))
    imported = reference.import_reference(testing.fabricate_reference(str(tmp_path / "ref")), str(tmp_path / "corpus"))
    reference.write(imported, str(tmp_path / "corpus"))
    cfg = DataConfig.from_dict(imported.data_config)
    write_report(prepare(cfg, progress=False), cfg)
    m, record = pages.world()
    assert record == {"corpus": str(tmp_path / "corpus")} and len(m.audio) == len(imported.manifest.audio)
    numbers = data.world_numbers(m, record)
    assert numbers["train_tokens"] == 3 and numbers["novel_tokens"] == 2  # the fabricated counts per word
    assert numbers["n_tokens"] == len(m.audio) and "corpus" in numbers["world_digest"]
    assert str(tmp_path / "corpus") in data.corpus_note(record)


def test_the_first_results_table_shows_the_tests_a_corpus_has():
    acc = pd.DataFrame({"lang": ["en"] * 2, "train_langs": ["en"] * 2, "test": ["ff", "nf"], "accuracy": [0.9, 0.6]})
    table = first_results.first_results_table(acc)
    assert list(table.columns) == ["familiar–familiar", "novel–familiar (ME)"]
