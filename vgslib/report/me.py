"""The ME chapter (`book/me.md`): does the model show ME? Table 1 over every seed, each cell against chance and
against the same runs untrained, the hub control, and the chapter's claims beside the paper's.

Functions take the tidy tables of `runs.load_runs()` and the statistics the analysis notebook wrote
(`vgslib.results.analysis`); verdicts are sentences chosen by the numbers, so the chapter says plainly whether
the miniature reproduces the paper's finding."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vgslib.report.bilingual import effect_text
from vgslib.report.pages import LANGS, pct
from vgslib.results import stats, study
from vgslib.results.tables import FF_BAR


def untrained_table(metrics: pd.DataFrame, preset: str, tests=("ff", "nf")) -> pd.DataFrame:
    """Table 1's layout for the untrained models (epoch 0) of `preset`'s Table 1 runs."""
    return study.table1_display(study.table1_at_epoch(metrics[metrics.preset == preset], 0, tests))


def versus_chance_table(chance: pd.DataFrame) -> pd.DataFrame:
    """`study.versus_chance` as the book shows it: tested / trained in capitals. The count of seeds whose own
    binomial test is above chance is left out: it ignores that a seed's trials share words (under the null it
    flags a seed ~32 % of the time in the independent check), so it is no evidence, and shown it reads as some."""
    shown = chance.assign(trained=chance.condition_label.str.upper(), tested=chance.lang.str.upper()).rename(
        columns={"rhat": "R-hat", "ess_bulk": "ESS", "raw_accuracy": "raw"}
    )
    columns = ["tested", "trained", "raw", "accuracy", "low", "high", "p_holm", "R-hat", "ESS"]
    return shown[[c for c in columns if c in shown]].sort_values(["tested", "trained"])


def me_chapter(trials: pd.DataFrame, preset: str, results: dict, metrics: pd.DataFrame) -> dict:
    """The ME chapter's Table 1 (FF, NF, FN) trained and untrained (epoch 0), per-run accuracies, tests against
    chance and numbers."""
    t1 = trials[trials.table1]
    untrained = study.table1_at_epoch(metrics[metrics.preset == preset], epoch=0, tests=("ff", "nf", "hub"))
    per_run = study.per_run(t1)
    table = results["table1"]
    chance = results["chance"]
    seeds, seeds_max = int(table.seeds.min()), int(table.seeds.max())

    def mean_of(train, lang, test):
        row = table[(table.train_langs == train) & (table.lang == lang) & (table.test == test)]
        return 100 * float(row["mean"].iloc[0]) if len(row) else float("nan")

    ff, fn = table[table.test == "ff"], table[table.test == "fn"]
    numbers = {
        "preset": preset,
        "n_runs": int(per_run.run_id.nunique()),
        "seeds_text": f"{seeds} seeds per condition"
        if seeds == seeds_max
        else f"{seeds} to {seeds_max} seeds per condition",
        **{f"nf_{lang}": mean_of(lang, lang, "nf") for lang in LANGS},
        **{f"ff_{lang}": mean_of(lang, lang, "ff") for lang in LANGS},
        "ff_min": 100 * float(ff["mean"].min()),
        "ff_max": 100 * float(ff["mean"].max()),
        "chance_n": len(chance),
        "chance_above": int(stats.reliable(chance, +1, null=0.5).sum()),
        "chance_below": int(stats.reliable(chance, -1, null=0.5).sum()),
        "fn_min": 100 * float(fn["mean"].min()),
        "nf0_min": 100 * float(untrained[untrained.test == "nf"]["mean"].min()),
        "nf0_max": 100 * float(untrained[untrained.test == "nf"]["mean"].max()),
        "ff0_max": 100 * float(untrained[untrained.test == "ff"]["mean"].max()),
    }
    effect = results.get("training_effect", pd.DataFrame())
    if len(effect):
        nf = effect[effect.test == "nf"]
        tested = nf[nf.p_holm.notna()]
        numbers |= {
            "effect_n": len(nf),
            "effect_tested": len(tested),
            "effect_above": int(stats.reliable(tested, +1).sum()),
            "effect_below": int(stats.reliable(tested, -1).sum()),
            "effect_untested": len(nf) - len(tested),
            "effect_lower_raw": ", ".join(
                f"{r.condition_label.upper()} on {r.lang.upper()} ({pct(r.trained_accuracy)} % after training, "
                f"{pct(r.untrained_accuracy)} % before)"
                for r in nf.itertuples()
                if r.trained_accuracy < r.untrained_accuracy
            )
            or "none",
        }
    hub = _hub_numbers(table, untrained, results.get("hub_chance", pd.DataFrame()))
    numbers |= hub
    return {"t1": t1, "per_run": per_run, "table": table, "chance": chance, "numbers": numbers,
            "untrained": untrained[untrained.test.isin(["ff", "nf"])], "effect": effect,
            "hub_chance": results.get("hub_chance", pd.DataFrame()),
            "hub_untrained": untrained[untrained.test == "hub"], "has_hub": bool(hub)}  # fmt: skip


def _hub_numbers(table: pd.DataFrame, untrained: pd.DataFrame, chance: pd.DataFrame) -> dict:
    """The hub control's numbers: its range trained and untrained, the cells reliably above or below 50 % and
    the cells whose NF accuracy exceeds their hub level (runs made before the control existed: none)."""
    hub, nf = table[table.test == "hub"], table[table.test == "nf"]
    if hub.empty:
        return {}
    keys = ["train_langs", "lang"]
    both = nf.merge(hub, on=keys, suffixes=("_nf", "_hub"))
    before = untrained[untrained.test == "hub"]["mean"]
    tested = chance[chance.p_holm.notna()] if len(chance) else chance
    return {
        "hub_n": len(hub),
        "hub_min": 100 * float(hub["mean"].min()),
        "hub_max": 100 * float(hub["mean"].max()),
        "hub0_min": 100 * float(before.min()) if len(before) else float("nan"),
        "hub0_max": 100 * float(before.max()) if len(before) else float("nan"),
        "hub_above": int(stats.reliable(tested, +1, null=0.5).sum()) if len(tested) else 0,
        "hub_below": int(stats.reliable(tested, -1, null=0.5).sum()) if len(tested) else 0,
        "hub_untested": len(hub) - len(tested),
        "nf_over_hub": int((both.mean_nf > both.mean_hub).sum()),
    }


def hub_table(me: dict) -> pd.DataFrame:
    """Per cell: the hub control's accuracy (mean over seeds) trained and untrained, and the GLMM's estimate for a
    typical word and seed against 50 % with its interval and Holm's p."""
    table, before, chance = me["table"], me["hub_untrained"], me["hub_chance"]
    hub = table[table.test == "hub"].merge(before[["train_langs", "lang", "mean"]], how="left",
                                           on=["train_langs", "lang"], suffixes=("", "_untrained"))  # fmt: skip
    if len(chance):
        hub = hub.merge(chance.rename(columns={"condition_label": "train_langs"}), how="left",
                        on=["train_langs", "lang"], suffixes=("", "_glmm"))  # fmt: skip
    rows = []
    for r in hub.sort_values(["lang", "train_langs"]).itertuples():
        low, high, p = (getattr(r, k, np.nan) for k in ("low", "high", "p_holm"))
        rows.append({
            "tested": r.lang.upper(), "trained": r.train_langs.upper(),
            "trained model": f"{pct(r.mean)} ± {pct(r.se)} %" if np.isfinite(r.se) else f"{pct(r.mean)} % (one run)",
            "untrained": f"{pct(r.mean_untrained)} %" if np.isfinite(r.mean_untrained) else "–",
            "typical word and seed [95 %]": f"{pct(r.accuracy)} % [{pct(low)}, {pct(high)}]"
            if np.isfinite(p) else "not tested",
            "p_holm": f"{p:.2g}" if np.isfinite(p) else "–",
        })  # fmt: skip
    return pd.DataFrame(rows)


def hub_verdict(me: dict) -> str:
    """How the hub control reads beside NF and FN (chosen by the numbers)."""
    n = me["numbers"]
    if not me.get("has_hub"):
        return ("These runs were trained before the hub control existed; train them again (`make book` skips "
                "nothing it has not scored) to see it.")  # fmt: skip
    head = (f"Familiar words choose a novel picture over another familiar picture in {n['hub_min']:.1f} % to "
            f"{n['hub_max']:.1f} % of the trials (untrained: {n['hub0_min']:.1f} % to {n['hub0_max']:.1f} %); the "
            f"GLMM puts {n['hub_above']} of the {n['hub_n']} cells reliably above 50 % and {n['hub_below']} reliably "
            "below.")  # fmt: skip
    if n["hub_above"]:
        return head + (" **Novel pictures attract words in general**, so part of an NF accuracy above 50 % needs "
                       f"no mutual exclusivity at all; NF exceeds the hub level in {n['nf_over_hub']} of the "
                       f"{n['hub_n']} cells, and only that excess speaks for a novel word finding a novel "
                       "object.")  # fmt: skip
    if n["hub_below"] == n["hub_n"]:
        return head + (" Novel pictures are no general attractor: a word that is not theirs passes them by, so an NF "
                       "accuracy above 50 % is not a plain pull towards novel pictures.")  # fmt: skip
    return head + (f" So there is no reliable general pull towards novel pictures; NF exceeds the hub level in "
                   f"{n['nf_over_hub']} of the {n['hub_n']} cells.")  # fmt: skip


def training_effect_table(effect: pd.DataFrame) -> pd.DataFrame:
    """`study.training_effect` as the book shows it: accuracies before and after training, the log odds ratio
    trained vs untrained with its interval, Holm's p; a ceiling or a fit that failed the convergence rule says so."""
    rows = []
    for r in effect.sort_values(["test", "lang", "condition_label"]).itertuples():
        ceiling, ok = bool(r.ceiling), bool(getattr(r, "diagnostics_ok", True) is not False)
        tested = not ceiling and np.isfinite(r.p_holm)
        rows.append({
            "test": r.test.upper(), "tested": r.lang.upper(), "trained": r.condition_label.upper(), "runs": r.runs,
            "untrained": f"{pct(r.untrained_accuracy)} %", "trained model": f"{pct(r.trained_accuracy)} %",
            "log odds ratio [95 %]": effect_text(r.log_odds_ratio, r.low, r.high, ok or ceiling),
            "p_holm": f"{r.p_holm:.2g}" if tested else "not tested",
        })  # fmt: skip
    return pd.DataFrame(rows)


def fn_verdict(table: pd.DataFrame) -> str:
    fn = table[table.test == "fn"]
    if fn["mean"].min() >= FF_BAR:
        return "So the models do not simply prefer novel pictures: a familiar word still finds its own picture."
    return (
        "So a familiar word does not always win against a novel picture: part of the NF accuracy may come from a "
        "preference for novel pictures rather than from mutual exclusivity."
    )


def me_claims(me: dict, preset: str) -> tuple[pd.DataFrame, str]:
    """The paper's first claims beside ours, and the chapter's verdict."""
    chance, ff = me["chance"], me["table"][me["table"].test == "ff"]
    mono = chance[chance.condition_label == chance.lang]
    mono_above = int(stats.reliable(mono, +1, null=0.5).sum())
    en = mono[mono.lang == "en"]
    en_text = f"{pct(en.accuracy.iloc[0])} % [{pct(en.low.iloc[0])}, {pct(en.high.iloc[0])}]" if len(en) else "not run"
    ff_ok = bool(ff["mean"].min() >= FF_BAR)
    effect = me.get("effect", pd.DataFrame())
    rows = []
    if len(effect):
        nf = effect[(effect.test == "nf") & (effect.condition_label == effect.lang)]
        up = int(stats.reliable(nf, +1).sum())
        rows.append(("Training produces an ME bias (trained against the same runs untrained)",
                     "not tested (the paper tests against 50 %)",
                     f"{_share(up, len(nf))}: {up} of {len(nf)} monolingual models reliably above their untrained "
                     "start"))  # fmt: skip
    rows += [
        ("Monolingual models show an ME bias (against 50 %)", "yes, in every language",
         f"{_share(mono_above, len(mono))}: {mono_above} of {len(mono)} monolingual models above chance"),
        ("English monolingual NF accuracy", "about 66 %", f"{en_text} (GLMM, 95 % interval)"),
        ("FF accuracy near ceiling", "yes",
         f"{'yes' if ff_ok else 'no'}: {pct(ff['mean'].min())} % to {pct(ff['mean'].max())} %"),
    ]  # fmt: skip
    claims = pd.DataFrame(rows, columns=["claim", "paper", f"this book ({preset} preset)"])
    if len(effect):
        return claims, _training_verdict(effect, mono_above, len(mono))
    if mono_above == len(mono):
        verdict = (
            "**The miniature reproduces the paper's first finding**: every monolingual model maps novel words "
            "to novel pictures more often than chance."
        )
    elif mono_above == 0:
        verdict = (
            "**The miniature does not reproduce the paper's first finding**: no monolingual model's ME accuracy "
            "is reliably above chance. This book does not tune its world or recipe towards the paper's "
            "answer; the geometry chapter looks for the reasons in the embedding space."
        )
    else:
        verdict = (
            f"**The miniature reproduces the paper's first finding only in part**: {mono_above} of {len(mono)} "
            "monolingual models show an ME bias reliably above chance. The differences between languages "
            "come from one synthetic voice engine and one set of pictograms; the book does not tune them "
            "towards the paper's answer."
        )
    return claims, verdict


def _share(k: int, n: int) -> str:
    return "yes" if n and k == n else "no" if k == 0 else "in part"


def _training_verdict(effect: pd.DataFrame, mono_above: int, n_mono: int) -> str:
    """The chapter's answer to its question, read against the untrained models (not against 50 %)."""
    nf = effect[effect.test == "nf"]
    mono = nf[nf.condition_label == nf.lang]
    up = int(stats.reliable(mono, +1).sum())
    untested = int(mono.p_holm.isna().sum())
    against_chance = f"{mono_above} of {n_mono} monolingual models are reliably above 50 %"
    if up == len(mono):
        head = ("**Training produces the ME bias**: every monolingual model's NF accuracy is reliably above the same "
                f"runs' untrained models ({against_chance}).")  # fmt: skip
    elif up == 0:
        head = (f"**Training does not reliably produce an ME bias in the miniature**: {against_chance}, but no "
                "monolingual model is reliably above its own untrained start, which already prefers the novel "
                "picture more often than not. The preference is mostly there before any training.")  # fmt: skip
    else:
        head = (f"**Training produces an ME bias only in part**: {up} of {len(mono)} monolingual models are reliably "
                f"above their untrained start ({against_chance}).")  # fmt: skip
    if untested:
        head += f" {untested} of these fits failed the convergence rule and test nothing."
    return head + " The book does not tune the world or the recipe towards the paper's answer."
