import pandas as pd
import pytest

from vgslib.results import analysis
from vgslib.testing import study_trials


def test_the_study_is_analysed_once_and_read_back(tmp_path):
    trials = study_trials(
        {("en", False, 1, "sm"): 0.8, ("fr", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.0}, seeds=2
    )
    conditions = {("en", False, 1, "sm"): 0.2, ("fr", False, 1, "sm"): 0.2, ("en+fr", False, 1, "sm"): 0.2}
    untrained = study_trials(conditions, seeds=2, rng_seed=1)
    assert set(analysis.analyse(trials, estimators=("laplace",), progress=False)) == set(analysis.TABLES) - {
        "training_effect"
    }  # without the untrained trials there is no training effect to estimate
    tables = analysis.analyse(trials, estimators=("laplace", "gee"), progress=False, untrained=untrained)
    assert set(tables) == set(analysis.TABLES)
    assert set(tables["training_effect"].test) == {"nf"} and len(tables["training_effect"]) == 4  # 4 cells
    assert set(tables["contrasts"].test) == {"nf", "ff"} and set(tables["contrasts"].family) == {"bilingual"}
    assert set(tables["first_chance"].seeds) == {1} and set(tables["chance"].seeds) == {2}
    with pytest.raises(FileNotFoundError, match="no complete analysis"):
        analysis.read(str(tmp_path))
    analysis.write(tables, trials, str(tmp_path), {"preset": "laptop"})
    back = analysis.read(str(tmp_path))
    assert back["summary"] == {"preset": "laptop"}
    pd.testing.assert_frame_equal(back["chance"], tables["chance"].reset_index(drop=True), check_dtype=False)
    r_table = pd.read_csv(tmp_path / "trials.csv")
    assert list(r_table.columns) == analysis.R_COLUMNS and set(r_table.correct) <= {0, 1}


def test_one_preset_at_a_time_and_known_families_only():
    trials = study_trials({("en", False, 1, "sm"): 0.8}, seeds=1, words=1, per_word=2)
    with pytest.raises(ValueError, match="one preset at a time"):
        analysis.analyse(pd.concat([trials, trials.assign(preset="paper")]), progress=False)
    with pytest.raises(ValueError, match=r"unknown families \['sizes'\]"):
        analysis.analyse(trials, families=("sizes",), estimators=("laplace",), progress=False)


def test_the_lme4_comparison_belongs_to_the_runs_at_hand(tmp_path, monkeypatch):
    from vgslib.report import statistics

    monkeypatch.setenv("VGSLIB_RESULTS", str(tmp_path))
    trials = study_trials({("en", False, 1, "sm"): 0.8, ("en+fr", False, 1, "sm"): 0.0}, seeds=2)
    folder = str(tmp_path / "laptop")
    analysis.write(analysis.analyse(trials, estimators=("laplace",), progress=False), trials, folder,
                   {"preset": "laptop", "runs": 4})  # fmt: skip
    table, note = statistics.lme4_comparison("laptop")
    assert table.empty and "No comparison for these runs" in note and "compare-lme4 results/laptop" in note
    monkeypatch.setattr(analysis, "lme4_version", lambda: "")  # no R: nothing is compared, nothing written
    assert analysis.compare_lme4(folder) is None and not (tmp_path / "laptop" / "lme4-comparison.csv").exists()
    monkeypatch.undo()
    if not analysis.lme4_version():
        pytest.skip("R with lme4 is not installed here: the comparison itself is not exercised")
    monkeypatch.setenv("VGSLIB_RESULTS", str(tmp_path))
    compared = analysis.compare_lme4(folder)
    assert len(compared) and compared[["ours", "lme4"]].notna().all().all()
    table, note = statistics.lme4_comparison("laptop")
    assert len(table) == len(compared) and "the same 4 runs of the `laptop` preset" in note


def test_a_write_that_fails_midway_leaves_no_complete_analysis(tmp_path, monkeypatch):
    """New tables beside an old summary would read as one analysis: the old summary goes first."""
    trials = study_trials({("en", False, 1, "sm"): 0.8, ("fr", False, 1, "sm"): 0.6}, seeds=2, words=3)
    tables = analysis.analyse(trials, estimators=("laplace",), progress=False)
    analysis.write(tables, trials, str(tmp_path), {"preset": "laptop", "n": 1})
    (tmp_path / "training_effect.csv").write_text("stale,table\n1,2\n")  # a table of an older analysis
    original = pd.DataFrame.to_csv

    def fail_on_chance(self, path, *args, **kwargs):
        if "chance" in str(path):  # the tables before it are written, the ones after it are not
            raise OSError("disk full")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", fail_on_chance)
    with pytest.raises(OSError, match="disk full"):
        analysis.write(tables, trials, str(tmp_path), {"preset": "laptop", "n": 2})
    monkeypatch.undo()
    with pytest.raises(FileNotFoundError, match="no complete analysis"):
        analysis.read(str(tmp_path))
    assert not (tmp_path / "training_effect.csv").exists()  # not this analysis's: removed
    analysis.write(tables, trials, str(tmp_path), {"preset": "laptop", "n": 3})
    assert analysis.read(str(tmp_path))["summary"]["n"] == 3
