"""The calibration benchmark's own arithmetic, on a fake estimator whose errors are known exactly."""

import numpy as np
import pytest
from scipy import stats

from vgslib.results import calibration
from vgslib.results.calibration import Design


def test_se_ratio_reads_each_interval_with_its_own_quantile(monkeypatch):
    """An honest estimator with a t(8) interval has se_ratio 1 (dividing its width by 2 x 1.96 read it as 1.18)."""
    rng = np.random.default_rng(0)
    se, t8 = 0.2, stats.t.ppf(0.975, 8)

    def honest(trials, condition, reference):
        estimate = rng.normal(0.0, se)
        return {"log_odds_ratio": estimate, "low": estimate - t8 * se, "high": estimate + t8 * se,
                "p_approx": 0.5, "interval_z": t8}  # fmt: skip

    monkeypatch.setattr(calibration, "_fitter", lambda estimator: honest)
    out = calibration.run(Design(seeds=2, words=2, per_word=2), "null", 0.0, "gee", studies=4000)
    assert out["se_ratio"] == pytest.approx(1.0, abs=0.03)


def test_a_paired_design_shares_its_runs_and_spreads_the_reference_state_wider():
    """The training effect's design: the same runs in both states, the untrained (reference) state's (run, word)
    accuracies spread wider than the trained ones'."""
    from vgslib.results.calibration import simulate

    design = Design(seeds=4, words=30, per_word=400, paired=True, cell_sd=0.2, reference_cell_sd=1.2, word_sd=0.0)
    trials = simulate(design, 0.0, 0.0, np.random.default_rng(0))
    runs = trials.groupby("condition_label").run_id.unique()
    assert sorted(runs["reference"]) == sorted(runs["condition"]) == ["run-0", "run-1", "run-2", "run-3"]
    logit = trials.groupby(["condition_label", "run_id", "concept"]).correct.mean().clip(0.01, 0.99)
    logit = np.log(logit / (1 - logit))
    spread = logit.groupby(level=0).std()
    assert spread["reference"] > 3 * spread["condition"]
