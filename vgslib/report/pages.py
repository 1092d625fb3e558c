"""What the book's ingredient and back-matter pages compute: they narrate, and call these.

Every function reads what `make prepare` and the runs wrote; none builds data. A page glues the numbers a
function returns (`glue_all`) and displays its tables.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd

from vgslib import paths, runs
from vgslib.encoders import probe
from vgslib.encoders.prepare import REPORT, prepared_world_dir
from vgslib.sources import concepts, manifest
from vgslib.sources.manifest import Manifest

HOW_TO_PREPARE = "run `make prepare` (or `python -m vgslib prepare`) first"
HOW_TO_RUN = "run `make book` (or `python -m vgslib grid controls`) first"


def glue_all(numbers: dict) -> None:
    """Glue every (name, value) for the page's prose (`{glue:text}` roles), without displaying them."""
    from myst_nb import glue

    for name, value in numbers.items():
        glue(name, value, display=False)


def require_runs(table: pd.DataFrame) -> pd.DataFrame:
    """`table` if it holds complete runs, else an error saying how to make them."""
    if table.empty:
        raise RuntimeError(f"no complete runs: {HOW_TO_RUN}")
    return table


def study_results(preset: str) -> dict:
    """The statistics the analysis notebook wrote for `preset`'s runs (`vgslib.results.analysis.read`)."""
    from vgslib.results import analysis

    return analysis.read(paths.results_dir(preset))


def _read_json(path: str) -> dict:
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path} does not exist; {HOW_TO_PREPARE}")
    with open(path) as f:
        return json.load(f)


# Table formats: variances with three decimals and run counts as integers; accuracies (stored as 0-1) in %.
GAP_FORMAT = {"centroid distance": "{:.3f}", "angle (°)": "{:.1f}", "audio cone (mean cos)": "{:.3f}",
              "image cone (mean cos)": "{:.3f}"}  # fmt: skip
VARIANCE_FORMAT = {"mean": "{:.3f}", "low": "{:.3f}", "high": "{:.3f}", "runs": "{:.0f}"}
PERCENT_FORMAT = {"accuracy": "{:.1%}", "frozen features": "{:.1%}", "chance": "{:.1%}",
                  "novel–novel accuracy": "{:.1%}"}  # fmt: skip


# ----------------------------------------------------------------------------- the miniature world


def world() -> tuple[Manifest, dict]:
    """The prepared data: its manifest and, for the miniature world, its `world.json` (config and digest); for a
    real corpus, {"corpus": its folder}."""
    folder = prepared_world_dir()
    report = os.path.join(paths.data_root(), REPORT)
    corpus = _read_json(report)["config"]["corpus"] if os.path.exists(report) else "miniature"
    if corpus != "miniature":
        return manifest.load(folder), {"corpus": folder}
    return manifest.load(folder), _read_json(os.path.join(folder, "world.json"))


def added_concepts() -> pd.DataFrame:
    """The vocabulary-size experiment's added concepts, their words and pictograms, and whether the default
    image encoder's pre-training drew any of their pictograms (it bans only the inventory's: the added
    concepts came after the encoders, and banning theirs too would have changed every Table 1 number)."""
    from vgslib.encoders.pretrain import ImagePretrainConfig, pretraining_pictograms

    cfg = ImagePretrainConfig()
    seen = {seq.split("-")[0] for _, seq in pretraining_pictograms(cfg.num_pictograms, cfg.seed)}
    table = concepts.added_table()
    drawn = [sum(p.split("-")[0] in seen for p in c.pictograms) for c in concepts.ADDED]
    return table.assign(**{"pictograms in encoder pre-training": [f"{k} of {len(c.pictograms)}" for k, c in
                                                                    zip(drawn, concepts.ADDED)]})  # fmt: skip


def further_words() -> pd.DataFrame:
    """The inventory's words in the language-pairs experiment's further languages."""
    table = concepts.further_words_table()
    return table.rename(columns={l: concepts.LANGUAGE_NAMES[l] for l in ("en", *concepts.FURTHER_LANGUAGES)})


def corpus_note(record: dict) -> str:
    """What the data chapter says first when the runs were made on an imported corpus."""
    return (
        f"```{{note}}\nThis build's runs use the corpus imported into `{record['corpus']}`, not the miniature "
        "world. The counts, speakers, recordings and pictures below are that corpus's; the text that describes "
        "how words are synthesised and pictures rendered is about the miniature world `make book` builds by "
        "default.\n```"
    )


def _per_item(table: pd.DataFrame, split: str, familiar: bool, by: list[str]) -> int:
    """The median count of `split` rows per concept of a group (and per `by`), for a corpus's counts."""
    names = concepts.FAMILIAR_NAMES if familiar else concepts.TESTED_NOVEL_NAMES
    rows = table[(table.split == split) & table.concept.isin(names)]
    return int(rows.groupby(["concept", *by]).size().median()) if len(rows) else 0


def world_numbers(m: Manifest, record: dict) -> dict:
    """The data chapter's numbers: sizes of the world and the settings that made it (for a real corpus, the same
    sizes counted from its manifest)."""
    cfg = record.get("config") or {
        "train_tokens": _per_item(m.audio, "train", True, ["lang"]),
        "novel_tokens": _per_item(m.audio, "test", False, ["lang"]),
        "train_images": _per_item(m.images, "train", True, []),
        "novel_images": _per_item(m.images, "test", False, []),
    }
    speakers = {
        f"n_speakers_{split}": int(m.audio[m.audio.split == split].groupby("lang").speaker.nunique().min())
        for split in manifest.SPLITS
    }
    return {
        "n_tokens": len(m.audio),
        "n_images": len(m.images),
        "n_speakers": m.audio.groupby("lang").speaker.nunique().min(),
        **speakers,
        "train_tokens": cfg["train_tokens"],
        "novel_tokens": cfg["novel_tokens"],
        "train_images": cfg["train_images"],
        "novel_images": cfg["novel_images"],
        "world_digest": record.get("digest") or f"imported from {os.path.basename(record['corpus'].rstrip('/'))}",
        "mean_duration": float((m.audio.end - m.audio.start).mean()),
    }


def audio_examples(m: Manifest, words=("dog", "umbrella", "butterfly"), per_word: int = 2) -> pd.DataFrame:
    """Test tokens to listen to: `per_word` speakers of each word in each language."""
    test = m.audio[m.audio.split == "test"]
    picks = [
        test[(test.lang == lang) & (test.concept == concept)].drop_duplicates("speaker").head(per_word)
        for lang in sorted(test.lang.unique())
        for concept in words
    ]
    return pd.concat(picks)


# ----------------------------------------------------------------------------- the frozen encoders


def encoder_report() -> tuple[pd.DataFrame, dict]:
    """The probe table and the encoders chapter's numbers (probe accuracies, pre-training settings and time)."""
    report = pd.read_csv(os.path.join(paths.data_root(), "probe.csv"), keep_default_na=False)
    data_cfg = _read_json(os.path.join(paths.data_root(), REPORT))
    pretrained = {}
    for name, digest in data_cfg["encoders"].values():
        meta = os.path.join(paths.encoders_dir(), f"{name}-{digest.split('-v')[0]}.json")
        if os.path.exists(meta):
            with open(meta) as f:
                pretrained[name] = json.load(f)
    audio = report[report.modality == "audio"].set_index("lang").accuracy
    img_cfg, aud_cfg = data_cfg["config"]["image_pretrain"], data_cfg["config"]["audio_pretrain"]
    numbers = {
        "probe_image": 100 * float(report[report.modality == "image"].accuracy.iloc[0]),
        "probe_audio_min": 100 * float(audio.min()),
        "probe_audio_max": 100 * float(audio.max()),
        "probe_bar": 100 * probe.BAR,
        "probe_all_pass": "pass" if bool(report.passes.all()) else "do **not** all pass",
        "seconds_image": float(pretrained.get("mini-image", {}).get("seconds", float("nan"))),
        "seconds_audio": float(pretrained.get("mini-audio", {}).get("seconds", float("nan"))),
        "img_pictograms": img_cfg["num_pictograms"],
        "img_steps": img_cfg["steps"],
        "aud_words": aud_cfg["num_pseudowords"],
        "aud_steps": aud_cfg["steps"],
    }
    return report, numbers


def data_config_json() -> str:
    """The recorded data config (world, encoders, pre-training) as pretty JSON, or "" if nothing is prepared."""
    path = os.path.join(paths.data_root(), REPORT)
    return json.dumps(_read_json(path), indent=2) if os.path.exists(path) else ""


# ----------------------------------------------------------------------------- runs and their machines


def run_environments(summary: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Each run with the commit and device it ran on, and the first run's `env.json`."""
    envs = [runs.load_run(d)["env"] or {} for d in summary.dir]
    table = summary[["run", "preset", "train_langs", "seed", "best_epoch", "steps", "seconds_this_session"]].assign(
        commit=[e.get("git", {}).get("commit", "")[:10] for e in envs],
        device=[e.get("device", "") for e in envs],
    )
    return table, envs[0] if envs else {}


def package_versions(env: dict) -> pd.DataFrame:
    return pd.DataFrame(sorted((env.get("packages") or {}).items()), columns=["package", "version"])


# ----------------------------------------------------------------------------- the statistics appendix

NAN = float("nan")
LAPTOP_SCHEDULE = os.path.join(paths.REPO_ROOT, "analysis", "laptop-preset.csv")  # committed validation sweep
LAPTOP_SCHEDULE_RECHECK = os.path.join(paths.REPO_ROOT, "analysis", "laptop-preset-recheck.csv")  # adopted recipe


def schedule_recheck_text(choice: pd.DataFrame, train) -> str:
    """What the rule says of the sweep made again under the adopted recipe, and what the preset does about it."""
    chosen = choice[choice.chosen]
    preset = choice[(choice.epochs == train.epochs) & (choice.lr == train.lr)]
    if len(chosen):
        pick = chosen.iloc[0]
        same = int(pick.epochs) == train.epochs and pick.lr == train.lr
        return (f"Under the adopted recipe the rule picks {int(pick.epochs)} epochs at {pick.lr:g}: "
                + ("the preset's schedule." if same else f"not the preset's ({train.epochs} epochs at {train.lr:g}); "
                   "the preset keeps the schedule of the sweep that chose it."))  # fmt: skip
    why = ""
    if len(preset):
        row = preset.iloc[0]
        why = (
            f" The preset's {train.epochs} epochs have their best epoch before the last in "
            f"{int(row.runs - row.best_is_last)} of {int(row.runs)} runs and come within 10 % of the lowest "
            f"validation loss in {int(row.close_to_lowest)} of {int(row.runs)}."
        )
    return ("**Under the adopted recipe no candidate passes the rule**, so it chooses nothing new: the preset keeps "
            f"the schedule chosen above ({train.epochs} epochs at {train.lr:g})." + why)  # fmt: skip


def schedule_numbers(choice: pd.DataFrame, train) -> dict:
    """The model chapter's numbers about the laptop schedule: the rule, what it picks, and what the preset's
    `train` config (a `recipe.TrainConfig`) uses."""
    from vgslib.results import tables

    chosen = choice[choice.chosen]
    if chosen.empty:
        raise ValueError(f"no candidate schedule in {LAPTOP_SCHEDULE} passes the rule: {tables.SCHEDULE_RULE}")
    pick = chosen.iloc[0]
    seven = choice[choice.epochs == 7]
    return {
        "schedule_rule": tables.SCHEDULE_RULE,
        "schedule_epochs": int(pick.epochs),
        "schedule_lr": f"{pick.lr:g}",
        "preset_epochs": train.epochs,
        "preset_lr": f"{train.lr:g}",
        "schedule_ratio_7": float(seven.mean_best_val_loss.min() / pick.mean_best_val_loss) if len(seven) else NAN,
        "schedule_last_7": int(seven.best_is_last.sum()),
        "schedule_runs_7": int(seven.runs.sum()),
    }


NEGATIVE_SAMPLER = os.path.join(paths.REPO_ROOT, "analysis", "sampler-check")  # committed validation (+ .csv)
STEP_COST = os.path.join(paths.REPO_ROOT, "analysis", "step-cost.csv")  # committed `benchmarks/bench_step.py` output


def negative_sampler() -> tuple[dict[str, pd.DataFrame], dict]:
    """The committed comparison of the two samplers of negatives (`analysis/sampler_check.py`): its tables
    (cells, findings, runs) and the model chapter's numbers (the rule, its verdict, the cost per step)."""
    from vgslib.results import negative_sampler as ns

    tables = {name: pd.read_csv(f"{NEGATIVE_SAMPLER}{suffix}.csv")
              for name, suffix in (("cells", ""), ("findings", "-findings"), ("runs", "-runs"))}  # fmt: skip
    cells, runs_ = tables["cells"], tables["runs"]
    verdict = ns.verdict(cells)
    steps = pd.read_csv(STEP_COST)
    steps = steps[steps.precision == "fp32"].set_index(["condition", "negatives"]).ms_per_step
    mono, bi = "monolingual (en)", "bilingual (en+fr)"
    nf = cells[cells.test == "nf"]
    return tables, {
        "negatives_device": ", ".join(sorted(set(runs_.device))),
        "negatives_ms_pool": float(steps[(mono, "pool")]),
        "negatives_ms_batch": float(steps[(mono, "batch")]),
        "negatives_ms_pool_bi": float(steps[(bi, "pool")]),
        "negatives_ms_batch_bi": float(steps[(bi, "batch")]),
        "negatives_speedup": float(steps[(mono, "pool")] / steps[(mono, "batch")]),
        "negatives_rule": ns.RULE,
        "negatives_verdict": verdict["reason"],
        "negatives_choice": verdict["sampler"],
        "negatives_runs": int(runs_.groupby("sampler").size().min()),
        "negatives_max_nf": float(nf.diff_points.abs().max()),
        "negatives_mean_nf": float(nf.diff_points.mean()),
    }


def negative_sampler_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The comparison per cell as the model chapter shows it: accuracies, the difference, the GLMM contrast."""
    effect = [
        "at the ceiling" if c else f"{m:+.2f} [{lo:+.2f}, {hi:+.2f}]"
        for c, m, lo, hi in zip(cells.ceiling.astype(bool), cells.log_odds_ratio, cells.low, cells.high)
    ]
    return pd.DataFrame({
        "cell": cells.train_langs + " on " + cells.lang.str.upper(),
        "test": cells.test.str.upper(),
        "pool": cells["pool"].map("{:.1%}".format),
        "batch": cells["batch"].map("{:.1%}".format),
        "Δ points": cells.diff_points.map("{:+.1f}".format),
        "log OR, batch vs pool": effect,
        "p (Holm)": cells.p_holm.map(lambda p: "" if pd.isna(p) else f"{p:.2f}"),
    })  # fmt: skip


def negative_sampler_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings under each sampler as one row per finding and cell, the two samplers side by side."""
    interval = findings.low.notna()
    shown = np.where(
        interval,
        findings.value.map("{:+.3f}".format) + " [" + findings.low.map("{:+.3f}".format) + ", "
        + findings.high.map("{:+.3f}".format) + "]",
        findings.value.map("{:.4f}".format),
    )  # fmt: skip
    chance = findings.finding.str.startswith("NF vs chance")
    shown = np.where(chance, (100 * findings.value).map("{:.1f} %".format) + " [" + (100 * findings.low).map(
        "{:.1f}".format) + ", " + (100 * findings.high).map("{:.1f}".format) + "]", shown)  # fmt: skip
    holm = findings.p_holm.map(lambda p: "" if pd.isna(p) else (" *" if p < 0.05 else ""))
    tests = findings.low.notna().to_numpy()
    table = findings.assign(shown=shown + holm)[tests].pivot_table(
        index=["finding", "cell"], columns="sampler", values="shown", aggfunc="first", sort=False
    )
    return table.reset_index()[["finding", "cell", "pool", "batch"]].rename_axis(columns=None)


def negative_sampler_geometry(findings: pd.DataFrame) -> pd.DataFrame:
    """The mechanism quantities' means per cell under each sampler, "pool → batch", a column per quantity."""
    geo = findings[findings.low.isna()]
    shown = geo.pivot_table(index=["cell", "finding"], columns="sampler", values="value", sort=False)
    text = shown["pool"].map("{:.3f}".format) + " → " + shown["batch"].map("{:.3f}".format)
    return text.unstack("finding").reset_index().rename_axis(columns=None)


CALIBRATION = os.path.join(paths.REPO_ROOT, "analysis", "calibration.csv")  # committed benchmark output
CALIBRATION_TARGETS = {"coverage": (0.93, 0.97), "false_positive_rate": 0.06}  # the statistics issue's targets


def calibration() -> tuple[pd.DataFrame, dict]:
    """The committed calibration benchmark (`benchmarks/bench_calibration.py`) and the appendix's numbers
    about it: how many studies, at which commit, and how each estimator did against the targets (NaN, and a
    note saying how to make it, where the file is missing)."""
    low, high = CALIBRATION_TARGETS["coverage"]
    numbers = {"cal_cov_low": 100 * low, "cal_cov_high": 100 * high,
               "cal_fpr_max": 100 * CALIBRATION_TARGETS["false_positive_rate"]}  # fmt: skip
    if not os.path.exists(CALIBRATION):
        note = f"*No calibration yet: `python benchmarks/bench_calibration.py --out {CALIBRATION}` makes it.*"
        keys = ("cal_studies", "cal_scenarios", "cal_glmm_cov_min", "cal_glmm_cov_max", "cal_glmm_fpr_max",
                "cal_gee_fpr_max", "cal_laplace_fpr_max", "cal_effect", "cal_glmm_power", "cal_gee_power")  # fmt: skip
        return pd.DataFrame(), {**numbers, **dict.fromkeys(keys, NAN), "cal_commit": "(none)", "cal_note": note}
    table = pd.read_csv(CALIBRATION)
    table = table.assign(coverage_ok=table.coverage.between(low, high))
    null = table[table.effect == 0]

    def worst_rate(estimator: str) -> float:
        rates = null[null.estimator == estimator]["rate_p_below_0.05"]
        return 100 * float(rates.max()) if len(rates) else NAN

    effects = table[table.effect != 0]
    smallest = effects.effect.abs().min() if len(effects) else NAN

    def power(estimator: str) -> float:
        rows = effects[(effects.estimator == estimator) & (effects.effect.abs() == smallest)]
        return 100 * float(rows["rate_p_below_0.05"].iloc[0]) if len(rows) else NAN

    glmm = table[table.estimator == "glmm"]
    return table, {
        **numbers,
        "cal_studies": int(table.studies.min()),
        "cal_commit": ", ".join(sorted(set(table.commit.astype(str)))),
        "cal_scenarios": int(table.scenario.nunique()),
        "cal_glmm_cov_min": 100 * float(glmm.coverage.min()) if len(glmm) else NAN,
        "cal_glmm_cov_max": 100 * float(glmm.coverage.max()) if len(glmm) else NAN,
        "cal_glmm_fpr_max": worst_rate("glmm"),
        "cal_gee_fpr_max": worst_rate("gee"),
        "cal_laplace_fpr_max": worst_rate("laplace"),
        "cal_effect": -float(smallest),
        "cal_glmm_power": power("glmm"),
        "cal_gee_power": power("gee"),
        "cal_note": "",
    }


def statistics_numbers(results: dict) -> dict:
    """The appendix's numbers: the analysis's settings and its sampler checks."""
    from vgslib.results import glmm

    checks = sampler_checks(results)
    return {
        "preset": results["summary"]["preset"],
        "seconds": float(results["summary"].get("seconds", float("nan"))),
        "chains": glmm.CHAINS,
        "tune": glmm.TUNE,
        "draws": glmm.DRAWS,
        "rhat_max": glmm.RHAT_MAX,
        "ess_min": glmm.ESS_MIN,
        "n_fits": len(checks),
        "worst_rhat": float(checks["R-hat"].max()) if len(checks) else float("nan"),
        "worst_ess": float(checks["bulk ESS"].min()) if len(checks) else float("nan"),
        "n_failed": int((~checks["passed"]).sum()) if len(checks) else 0,
    }


def sampler_checks(results: dict) -> pd.DataFrame:
    """Every sampled fit of the analysis with its R-hat, bulk and tail ESS, divergences, the target acceptance it
    ended with and whether it passed (`glmm.passes`; a fit that did not tested nothing)."""
    parts = []
    for name, label in (("chance", "vs chance"), ("first_chance", "vs chance (seed 0)"), ("contrasts", "contrast")):
        table = results[name]
        if "rhat" not in table or table.empty:
            continue
        sampled = table[table.rhat.notna()]
        what = (
            sampled.condition_label + " on " + sampled.lang.str.upper()
            if "condition_label" in sampled
            else sampled.condition + " vs " + sampled.reference + " on " + sampled.lang.str.upper()
            + " (" + sampled.test.str.upper() + ")"
        )  # fmt: skip
        parts.append(
            pd.DataFrame(
                {
                    "fit": label,
                    "what": what,
                    "R-hat": sampled.rhat,
                    "bulk ESS": sampled.ess_bulk,
                    "tail ESS": sampled.get("ess_tail", np.nan),
                    "divergences": sampled.divergences,
                    "target acceptance": sampled.get("target_accept", np.nan),
                    "passed": sampled.diagnostics_ok.astype(bool),
                }
            )
        )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def lme4_comparison(preset: str) -> tuple[pd.DataFrame, str]:
    """The comparison with lme4 that the analysis notebook made for `preset`'s runs, and a sentence saying what
    it compares (or, without it, how to make it)."""
    from vgslib.results.analysis import LME4

    folder = paths.results_dir(preset)
    if not os.path.exists(os.path.join(folder, LME4 + ".csv")):
        return pd.DataFrame(), (
            "*No comparison for these runs: R with lme4 was not found when the statistics were computed. With R "
            "and lme4 installed (`install.packages('lme4')`), `python -m vgslib compare-lme4 results/"
            f"{preset}` (or `make book` again) fits the same models with lme4 and fills this section.*"
        )
    table = pd.read_csv(os.path.join(folder, LME4 + ".csv"))
    record = _read_json(os.path.join(folder, LME4 + ".json"))
    note = (
        f"Made from the same {record['runs']} runs of the `{record['preset']}` preset as every other page of this "
        f"book (lme4 {record['lme4']}). Across the {len(table)} estimates the largest difference between the two "
        f"point estimates is {record['max_abs_difference']:.2f} on the log odds scale; lme4's intervals are on "
        f"average {record['width_ratio']:.2f} times as wide as ours."
    )
    return table, note


def markdown_table(table: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (shown with `display(Markdown(...))`, so roles like {doc} work in it)."""
    return table.to_markdown(index=False)


# ----------------------------------------------------------------------------- real corpora

PAPER_SCALE = os.path.join(paths.REPO_ROOT, "analysis", "paper-scale.csv")  # committed benchmark output


# glue name -> the benchmark's column (of its row with padded pools, the training default)
SCALE_NUMBERS = {"scale_tokens": "tokens", "scale_images": "images", "scale_step": "s/step",
                 "scale_epoch": "s/epoch (EN)", "scale_run_h": "h/run (EN, training)",
                 "scale_bi_run_h": "h/run (EN+FR, training; ~2x the steps)", "scale_rss": "peak RSS GB",
                 "scale_pools": "pools GB"}  # fmt: skip


def paper_scale() -> tuple[pd.DataFrame, dict]:
    """The committed paper-scale benchmark (`benchmarks/bench_paper_scale.py`, a row with padded and one with
    flat pools) as a table of what it measured and the chapter's numbers (NaN, and a note saying how to make
    it, where the file is missing)."""
    flat_keys = ("scale_flat_pools", "scale_flat_rss", "scale_flat_step")
    if not os.path.exists(PAPER_SCALE):
        note = f"*Not measured yet: `python benchmarks/bench_paper_scale.py --out {PAPER_SCALE}` measures it.*"
        missing = dict.fromkeys((*SCALE_NUMBERS, *flat_keys), NAN)
        return pd.DataFrame(), {**missing, "scale_note": note, "scale_device": "none"}
    table = pd.read_csv(PAPER_SCALE)
    rows = table.set_index("pools")
    row = rows.loc["padded"]
    numbers = {name: float(row[key]) for name, key in SCALE_NUMBERS.items()}
    flat = rows.loc["flat"] if "flat" in rows.index else pd.Series(dtype=float)
    numbers |= dict(zip(flat_keys, (float(flat.get(k, NAN)) for k in ("pools GB", "peak RSS GB", "s/step"))))
    numbers |= {"scale_note": "", "scale_device": f"{row.device}, {int(row.threads)} thread(s), commit {row.commit}"}
    shown = table.drop(columns=["commit"]).set_index("pools").T.map(lambda v: f"{v:.3g}" if isinstance(v, float) else v)
    shown = shown.reset_index()
    shown.columns.name = None
    return shown.rename(columns={"index": "measure"}), numbers
