"""The geometry chapter (`book/geometry.md`; the first page and the space chapter read it too): the per-run
mechanism analysis over every run of the reported preset, the quantity that predicts ME, the paper's claims
beside the miniature's, and the chapter's answer in words."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vgslib.report import bilingual, pages
from vgslib.results import geometry, mechanism, stats


def _interval(values: pd.Series) -> tuple[float, float, float]:
    row = geometry.across_seeds(pd.DataFrame({"v": values, "g": 0}), "v", ["g"]).iloc[0]
    return float(row["mean"]), float(row["low"]), float(row["high"])


@dataclass
class Geometry:
    table: pd.DataFrame  # per run and test language, the reported epoch
    untrained: pd.DataFrame  # the same at epoch 0
    predictors: pd.DataFrame  # mixed model of NF on each quantity
    curves: pd.DataFrame  # NF against training steps, every run
    matched: pd.DataFrame  # bilingual vs monolingual at 0 and at equal steps
    words: pd.DataFrame  # per novel word: acoustic similarity to the familiar words, NF
    similarity: dict  # does similarity explain NF and the language differences?
    contrasts: pd.DataFrame = field(default_factory=pd.DataFrame)  # the study's contrasts (analysis notebook)
    between: pd.DataFrame = field(default_factory=pd.DataFrame)  # the mechanism between conditions

    @classmethod
    def from_results(cls, results: dict) -> Geometry:
        """The chapter's analyses as the analysis notebook computed them (`pages.study_results`); its
        `contrasts` give the bilingual-vs-2x verdict, the same one the bilingual chapter states."""
        if results.get("mechanism", pd.DataFrame()).empty:
            raise pages.MissingInput(
                f"the analysis of the {results['summary'].get('preset', '?')} preset holds no mechanism tables "
                "(it was made before it computed them, or without the prepared data the runs were trained on): "
                "run it again with the data prepared (`python -m vgslib notebook analyse`, or `make book`)"
            )
        words = results["novel_words"]
        return cls(
            table=results["mechanism"],
            untrained=results["mechanism_untrained"],
            predictors=results["mechanism_predictors"],
            curves=results["nf_by_steps"],
            matched=results["step_matched"],
            words=words,
            similarity=mechanism.similarity_explains(words) if len(words) > 3 else {},
            contrasts=results["contrasts"],
            between=results["mechanism_between"],
        )

    # ------------------------------------------------------------------------- what the runs allow

    @property
    def enough(self) -> bool:
        """Whether some condition has several seeds: the seed-level model needs them."""
        return len(self.predictors) > 0

    def best(self) -> str:
        """The quantity that predicts ME best from seed to seed, among those that share no term with NF
        (familiar-picture variance, the paper's, while none can be told)."""
        tested = self.predictors[self.predictors.quantity.isin(mechanism.PREDICTORS)] if self.enough else []
        if not len(tested):
            return "var_img_fam"
        return tested.sort_values("loglik gain", ascending=False).quantity.iloc[0]

    def _between(self, quantity: str) -> dict:
        b = self.between.set_index("quantity") if len(self.between) else pd.DataFrame()
        if quantity not in b.index:
            return dict.fromkeys(("slope", "low", "high", "p_holm"), np.nan)
        return {k: float(b.loc[quantity, k]) for k in ("slope", "low", "high", "p_holm")}

    def between_table(self) -> pd.DataFrame:
        """The mechanism between conditions (`mechanism.between_conditions`) as the chapter shows it."""
        if self.between.empty:
            return pd.DataFrame()
        b = self.between.sort_values("p")
        return pd.DataFrame({
            "quantity": b.quantity.map(mechanism.LABELS),
            "NF points per between-condition SD": [f"{s:+.1f} [{lo:+.1f}, {hi:+.1f}]"
                                                   for s, lo, hi in zip(b.slope, b.low, b.high)],
            "p (permutation)": b.p.map(lambda v: f"{v:.2g}"),
            "p_holm": b.p_holm.map(lambda v: f"{v:.2g}"),
            "cells": b.cells, "conditions": b.conditions,
        })  # fmt: skip

    def conditions_text(self) -> str:
        """The between-condition test in words."""
        b = self.between
        if b.empty:
            return ("Too few conditions to test the mechanism between them: it needs at least three conditions "
                    "tested on one language.")  # fmt: skip
        reliable = b[stats.reliable(b)]
        var = self._between("var_img_fam")
        names = ", ".join(
            f"{mechanism.LABELS[q]} ({s:+.1f} [{lo:+.1f}, {hi:+.1f}])"
            for q, s, lo, hi in zip(reliable.quantity, reliable.slope, reliable.low, reliable.high)
        )
        head = (
            f"Between conditions, {len(reliable)} of the {len(b)} quantities that share no term with the ME test "
            f"reliably predict a condition's ME after Holm's correction" + (f": {names}." if names else ".")
        )
        if not np.isfinite(var["slope"]):
            return head
        if var["p_holm"] < 0.05:
            way = "in the paper's direction" if var["slope"] > 0 else "against the paper's direction"
            tail = f" Familiar-picture variance, the paper's mechanism, predicts it {way}"
        else:
            tail = " Familiar-picture variance, the paper's mechanism, does not reliably predict it"
        return head + tail + (f" ({var['slope']:+.1f} [{var['low']:+.1f}, {var['high']:+.1f}] NF points per "
                              f"between-condition SD, Holm's p {var['p_holm']:.2g}, {int(b.conditions.max())} "
                              "conditions).")  # fmt: skip

    def _slope(self, quantity: str) -> dict:
        p = self.predictors.set_index("quantity") if self.enough else pd.DataFrame()
        if quantity not in p.index:
            return {"slope": np.nan, "low": np.nan, "high": np.nan}
        return {k: float(p.loc[quantity, k]) for k in ("slope", "low", "high")}

    def _matched(self) -> pd.DataFrame:
        return self.matched[self.matched["when"] == "equal steps"]

    # ------------------------------------------------------------------------- tables the chapter shows

    def predictor_table(self) -> pd.DataFrame:
        if not self.enough:
            return pd.DataFrame()
        p = self.predictors.sort_values("loglik gain", ascending=False)
        return pd.DataFrame(
            {
                "quantity": p.quantity.map(mechanism.LABELS),
                "NF points per seed SD": [
                    f"{s:+.1f} [{lo:+.1f}, {hi:+.1f}]" for s, lo, hi in zip(p.slope, p.low, p.high)
                ],
                "p": p.p.map(lambda v: f"{v:.2g}"),
                "p_holm": p.p_holm.map(lambda v: f"{v:.2g}") if "p_holm" in p else "",
                "log-likelihood gain": p["loglik gain"].map(lambda v: f"{v:.1f}"),
                "what it measures": p.quantity.map(mechanism.QUANTITIES),
            }
        )

    def referent_verdicts(self) -> pd.DataFrame:
        """Per kind of model: NN accuracy and the referent margin with t intervals over runs and languages, and
        which kind of ME that is: *referent* (a novel word prefers its own novel object) or *novelty matching*
        (novel words go to novel-looking objects as a class, not to their own referent)."""
        rows = []
        for kind, part in self.table.groupby("kind"):
            nn, nn_lo, nn_hi = (100 * v for v in _interval(part.nn))
            nf, nf_lo, nf_hi = (100 * v for v in _interval(part.nf))
            kind_of = "referent" if nn_lo > 50 else "novelty matching" if nf_lo > 50 else "no reliable ME"
            rows.append(
                {
                    "model": kind,
                    "NF %": f"{nf:.1f} [{nf_lo:.1f}, {nf_hi:.1f}]",
                    "NN %": f"{nn:.1f} [{nn_lo:.1f}, {nn_hi:.1f}]",
                    "referent margin": f"{part.referent.mean():+.3f}",
                    "kind of ME": kind_of,
                    "rows": len(part),
                }
            )
        return pd.DataFrame(rows)

    def controls_table(self) -> pd.DataFrame:
        """NF per test language for the monolingual model, its 2x control and the bilinguals (mean and t interval
        over runs): empty until 2x runs exist."""
        t = self.table
        if not (t.kind == "monolingual 2x").any():
            return pd.DataFrame()
        rows = []
        for (lang, kind), part in t[t.kind.isin(["monolingual", "monolingual 2x", "bilingual"])].groupby(
            ["lang", "kind"]
        ):
            mean, low, high = (100 * v for v in _interval(part.nf))
            shown = f"{mean:.1f} [{low:.1f}, {high:.1f}]" if len(part) > 1 else f"{mean:.1f} (one run)"
            rows.append({"tested": lang.upper(), "model": kind, "NF %": shown, "runs": len(part)})
        return pd.DataFrame(rows)

    def matched_table(self) -> pd.DataFrame:
        m = self._matched()
        if m.empty:
            return pd.DataFrame()
        return pd.DataFrame(
            {
                "tested": m.lang.str.upper(),
                "bilingual vs monolingual": m.bilingual + " vs " + m.monolingual,
                "steps": m.steps,
                "epochs (bi / mono)": m["epochs (bi / mono)"],
                "NF % (bi / mono)": [f"{b:.1f} / {o:.1f}" for b, o in zip(m["NF bilingual"], m["NF monolingual"])],
                "difference (points)": [
                    f"{d:+.1f} [{lo:+.1f}, {hi:+.1f}]" for d, lo, hi in zip(m.difference, m.low, m.high)
                ],
                "p": m.p.map(lambda v: f"{v:.2g}"),
            }
        )  # fmt: skip

    # ------------------------------------------------------------------------- numbers and words

    def numbers(self) -> dict:
        """Every number the chapter glues (computed once: the answer and the texts all read them)."""
        return dict(self._numbers)

    @functools.cached_property
    def _numbers(self) -> dict:
        t = self.table
        best, var, between_slope = self._slope(self.best()), self._slope("var_img_fam"), self._slope("between_img")
        mono, bi = t[t.kind == "monolingual"], t[t.kind == "bilingual"]
        between = t.between_img
        m = self._matched()
        u = self.untrained
        out = {
            "why_runs": int(t.run.nunique()),
            "why_rows": len(t),
            "best_q": mechanism.LABELS[self.best()] if self.enough else "(too few runs to tell)",
            "best_slope": best["slope"],
            "best_low": best["low"],
            "best_high": best["high"],
            "var_slope": var["slope"],
            "var_low": var["low"],
            "var_high": var["high"],
            "between_slope": between_slope["slope"],
            "between_low": between_slope["low"],
            "between_high": between_slope["high"],
            "var_mono": float(mono.drop_duplicates("run").var_img_fam.mean()),
            "var_bi": float(bi.drop_duplicates("run").var_img_fam.mean()),
            "nf_mono": 100 * float(mono.nf.mean()),
            "nf_bi": 100 * float(bi.nf.mean()),
            "between_mean": float(between.mean()),
            "between_n": int(((between < 0) & (t.between_img_p < 0.05)).sum()),
            # The interval is over runs (a run's test languages averaged first): rows of one run are not independent.
            "between_run_high": _interval(t.groupby("run").between_img.mean())[2],
            "between_untrained": float(u.between_img.mean()) if len(u) else np.nan,
            "between_untrained_n": int(((u.between_img < 0) & (u.between_img_p < 0.05)).sum()) if len(u) else 0,
            "untrained_rows": len(u),
            "nf_untrained": 100 * float(u.nf.mean()) if len(u) else np.nan,
            "referent_mean": float(t.referent.mean()),
            **dict(zip(("gap_mean", "gap_low", "gap_high"), _interval(t.gap))),
            "why_nn_mean": 100 * float(t.nn.mean()),
            "matched_n": len(m),
            "matched_pos": int((m.difference > 0).sum()),
            "matched_sig": int(stats.reliable(m, +1).sum()),
            "matched_neg_sig": int(stats.reliable(m, -1).sum()),
            "matched_steps": int(m.steps.max()) if len(m) else 0,
            **bilingual.exposure_counts(self.contrasts),
        }
        s = self.similarity
        if s:
            if s["low"] > 0 or s["high"] < 0:
                verdict = "similarity predicts a word's ME"
            else:
                verdict = "similarity does not reliably predict a word's ME"
            shrinks = s["spread_with"] < 0.5 * s["spread_alone"]
            verdict += (", and it explains the differences between languages." if shrinks else
                        ", and it does not explain the differences between languages.")  # fmt: skip
            out |= {"sim_verdict": verdict[0].upper() + verdict[1:], "sim_slope": s["slope"], "sim_low": s["low"],
                    "sim_high": s["high"], "sim_words": s["words"], "sim_spread": s["spread_alone"],
                    "sim_spread_with": s["spread_with"]}  # fmt: skip
        return out

    def answer(self) -> str:
        """The chapter's answer in two sentences, from the numbers."""
        n = self.numbers()
        best = self.best()
        plain = f" — {mechanism.QUANTITY[best].plain} —" if mechanism.QUANTITY[best].plain else ""
        first = (
            f"{self.conditions_text()} Run by run within a condition, a model's ME accuracy follows its "
            f"**{n['best_q']}**{plain} most closely ({n['best_slope']:+.1f} points of NF per seed-to-seed standard "
            f"deviation, 95 % interval [{n['best_low']:+.1f}, {n['best_high']:+.1f}], {n['why_runs']} runs)"
        )
        if not self.enough:
            first = ("With one run per condition the chapter cannot yet tell which quantity predicts ME: that needs "
                     "several seeds of each condition (the Table 1 grid trains five).")  # fmt: skip
        elif n["var_low"] > 0:
            first += "; the paper's mechanism, familiar pictures spread out, predicts it in the paper's direction."
        elif n["var_high"] < 0:
            first += (
                "; the paper's mechanism runs the other way here: runs whose familiar pictures are packed *more* "
                f"tightly show *more* ME ({n['var_slope']:+.1f} [{n['var_low']:+.1f}, {n['var_high']:+.1f}])."
            )
        else:
            first += (
                f"; familiar-picture variance, the paper's mechanism, does not reliably predict it "
                f"({n['var_slope']:+.1f} [{n['var_low']:+.1f}, {n['var_high']:+.1f}])."
            )
        packs = "pack familiar pictures more tightly, as in the paper" if n["var_bi"] < n["var_mono"] else (
            "do not pack familiar pictures more tightly, unlike in the paper")  # fmt: skip
        stronger = "stronger, not weaker" if n["nf_bi"] > n["nf_mono"] else "weaker, as in the paper"
        second = (
            f"Bilingual models here {packs} ({n['var_bi']:.3f} vs {n['var_mono']:.3f}), yet their ME is {stronger} "
            f"({n['nf_bi']:.1f} % vs {n['nf_mono']:.1f} %)"
        )
        second += "." if n["twox_n"] or not n["matched_n"] else ", and " + self.steps_text() + "."
        if n["twox_n"]:  # the 2x control is the cleaner test: its verdict in one sentence; the section says more
            second += (" Against the 2x control (a monolingual model with the bilingual's exposure and schedule) "
                       f"{bilingual.exposure_verdict(self.contrasts, brief=True)}.")  # fmt: skip
        return first + " " + second

    def steps_text(self) -> str:
        """Bilingual vs monolingual at equal training steps, in words (Welch intervals over runs: the test words
        are this study's, taken as fixed)."""
        n = self.numbers()
        text = (
            f"at equal training steps ({n['matched_steps']}; the two schedules then stand at different "
            f"points) the bilingual's NF is higher in {n['matched_pos']} of "
            f"{n['matched_n']} comparisons ({n['matched_sig']} reliably higher, {n['matched_neg_sig']} reliably "
            "lower, over runs on this study's test words)"
        )
        if n["matched_sig"]:
            text += ": more steps alone do not explain it"
        return text

    def exposure_text(self) -> str:
        """Bilingual vs 2x in words (`bilingual.exposure_verdict`, the bilingual chapter's own verdict): does
        matching a monolingual model's exposure remove the difference? Empty without 2x contrasts."""
        verdict = bilingual.exposure_verdict(self.contrasts)
        if not verdict:
            return ""
        return f"Against the 2x control, a monolingual model with the bilingual's exposure and schedule, {verdict}"

    def claims_verdict(self) -> str:
        """What the claims table says, in words: which clauses hold here and whether they link to ME."""
        n = self.numbers()
        between = n["between_run_high"] < 0  # the interval over runs, not a count of rows that share runs
        tighter = n["var_bi"] < n["var_mono"]
        clauses = ((between, "novel items do sit between the familiar clusters"),
                   (tighter, "bilinguals do pack their familiar pictures more tightly"))  # fmt: skip
        holds = [text for ok, text in clauses if ok]
        first = ("Here " + " and ".join(holds) + ".") if holds else "Neither geometric clause holds here."
        if not self.enough:
            link = "Whether how tightly a run packs its familiar pictures predicts its ME needs several seeds each."
        elif n["var_low"] > 0:
            link = "Runs with more spread-out familiar pictures do show more ME, as the explanation requires."
        elif n["var_high"] < 0:
            link = ("But the link to ME runs the other way: runs with more tightly packed familiar pictures show "
                    "*more* ME, not less.")  # fmt: skip
        else:
            link = ("But the link to ME is missing: how tightly a run packs its familiar pictures does not reliably "
                    "predict its ME accuracy.")  # fmt: skip
        if n["nf_bi"] > n["nf_mono"]:
            link += " And the bilinguals, whose familiar pictures are packed more tightly, have the stronger bias."
        return f"{first} {link} The next sections look for what differs between runs instead."

    def between_text(self) -> str:
        n = self.numbers()
        if not n["between_mean"] < 0:
            return (f"Novel pictures do not sit between the familiar clusters here: the measure averages "
                    f"{n['between_mean']:+.3f}.")  # fmt: skip
        text = (
            f"Trained novel pictures sit between the familiar clusters: the measure averages "
            f"{n['between_mean']:+.3f} (descriptively, {n['between_n']} of {n['why_rows']} run × language rows lie "
            "below their own shuffled-label null; the rows share runs, so the count is no test)."
        )
        if n["untrained_rows"]:
            text += (
                f" Before training it is {n['between_untrained']:+.3f} (below the null in "
                f"{n['between_untrained_n']} of {n['untrained_rows']})"
                + (": training moves novel items between the clusters, as the paper describes."
                   if n["between_mean"] < n["between_untrained"] else ".")
            )  # fmt: skip
        if n["between_low"] < 0 < n["between_high"]:
            text += (
                " But it happens in the runs with weak ME as much as in those with strong ME, so it cannot explain "
                f"the difference between them: its slope in the model above is {n['between_slope']:+.1f} "
                f"[{n['between_low']:+.1f}, {n['between_high']:+.1f}]."
            )
        return text

    def referent_text(self) -> str:
        n, verdicts = self.numbers(), self.referent_verdicts()
        if not np.isfinite(n["why_nn_mean"]):  # a corpus without novel–novel trials (the reference's episodes)
            return (f"These runs hold no novel–novel trials, so referent ME and novelty matching cannot be told "
                    f"apart by NN accuracy; the referent margin averages {n['referent_mean']:+.4f}.")  # fmt: skip
        kinds = dict(zip(verdicts.model, verdicts["kind of ME"]))
        same = set(kinds.values())
        kind_text = (f"every kind of model shows *{same.pop()}*" if len(same) == 1 else
                     "; ".join(f"{k}: *{v}*" for k, v in kinds.items()))  # fmt: skip
        text = (f"On average NN accuracy is {n['why_nn_mean']:.1f} % and the referent margin "
                f"{n['referent_mean']:+.4f}: {kind_text}.")  # fmt: skip
        return text

    def claims(self, bilingual_numbers: dict | None, preset: str) -> pd.DataFrame:
        """Every claim of the paper's explanation beside this book's number and interval."""
        t, n = self.table, self.numbers()
        runs = t.drop_duplicates("run")
        mono, bi = runs[runs.kind == "monolingual"].var_img_fam, runs[runs.kind == "bilingual"].var_img_fam
        diff, lo, hi, _ = mechanism.welch(bi.to_numpy(), mono.to_numpy()) if len(mono) > 1 and len(bi) > 1 else (
            np.nan, np.nan, np.nan, np.nan)  # fmt: skip
        gap, gap_lo, gap_hi = _interval(t.gap)
        between, b_lo, b_hi = _interval(t.groupby("run").between_img.mean())  # over runs, not rows
        margin, m_lo, m_hi = _interval(t.groupby("run").me_margin.mean())

        def across(q):
            r = self._between(q)
            if np.isnan(r["slope"]):
                return "too few conditions to tell"
            row = pd.DataFrame([r])
            verdict = "yes" if stats.reliable(row, +1).iloc[0] else "opposite" if stats.reliable(row, -1).iloc[0] else (
                "not reliably")  # fmt: skip
            return (f"{verdict}: {r['slope']:+.1f} [{r['low']:+.1f}, {r['high']:+.1f}] NF points per "
                    f"between-condition SD (Holm's p {r['p_holm']:.2g})")  # fmt: skip

        def slope(q):
            r = self._slope(q)
            if np.isnan(r["slope"]):
                return "too few runs to tell (several seeds per condition needed)"
            verdict = "yes" if r["low"] > 0 else "opposite" if r["high"] < 0 else "not reliably"
            return f"{verdict}: {r['slope']:+.1f} [{r['low']:+.1f}, {r['high']:+.1f}] NF points per seed SD"

        rows = [
            ("Novel items fall between the familiar clusters", "yes",
             f"{'yes' if b_hi < 0 else 'no'}: in-between {between:+.3f} [{b_lo:+.3f}, {b_hi:+.3f}] over "
             f"{t.run.nunique()} runs (descriptively, {n['between_n']} of {len(t)} run × language rows below their "
             "own shuffled null; the rows share runs)"),
            ("Bilingual models pack familiar pictures more tightly", "yes",
             f"{'yes' if hi < 0 else 'no'}: variance {bi.mean():.3f} vs {mono.mean():.3f}, difference "
             f"{diff:+.3f} [{lo:+.3f}, {hi:+.3f}] (Welch, runs)"),
            ("More spread-out familiar pictures leave room for ME, seed to seed", "the explanation offered",
             slope("var_img_fam")),
            ("More spread-out familiar pictures leave room for ME, between conditions", "the explanation offered",
             across("var_img_fam")),
            ("A novel word closer to novel than to familiar pictures chooses novel ones", "implied",
             f"true by construction (NF is this margin made binary, trial by trial): described, not tested; ME "
             f"margin {margin:+.4f} [{m_lo:+.4f}, {m_hi:+.4f}] over runs"),
            ("Audio and pictures lie in separate cones (modality gap)", "yes",
             f"{'yes' if gap_lo > 0 else 'no'}: centroid distance {gap:.3f} [{gap_lo:.3f}, {gap_hi:.3f}]"),
        ]  # fmt: skip
        if bilingual_numbers:
            b = bilingual_numbers
            here = (f"{'yes' if b['n_lower_sig'] else 'no'}: {b['n_lower']} of {b['n_contrasts']} contrasts lower, "
                    f"{b['n_lower_sig']} reliably; {b['n_higher_sig']} reliably higher (GLMM, Holm)")  # fmt: skip
            rows.append(("Bilingual models show a weaker ME bias", "generally yes, with exceptions", here))
        return pd.DataFrame(rows, columns=["claim", "paper", f"this book ({preset} preset)"])
