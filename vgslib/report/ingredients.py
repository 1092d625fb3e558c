"""What the chapter "Why is ME weaker here than in the paper?" shows: the gap to the paper (Table 1's trained and
untrained NF), each ingredient family of `vgslib.experiments.INGREDIENTS` with its learned ME per setting, the
decision on the default world under the pre-declared rule, and the per-language look at the words. The page
computes its tables in visible cells with `vgslib.results.beyond` and `vgslib.results.ingredients`; this module
turns them into words, tables and charts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from vgslib import experiments
from vgslib.experiments import Family
from vgslib.report import charts, pages
from vgslib.report.beyond import Beyond
from vgslib.results import ingredients, stats

LANGS = ("en", "fr", "nl")  # the languages the chapter's prose names
PAPER_NF = 66  # the paper's monolingual NF accuracy, about (its Table 1; protocol.md)


def _pts(x: float, sign: bool = True) -> str:
    return f"{x:+.1f}" if sign else f"{x:.1f}"


@dataclass
class Ingredients(Beyond):
    results: dict = field(default_factory=dict)  # the analysis of the preset (`pages.study_results`)

    @classmethod
    def load(cls, tidy: dict, families: tuple[Family, ...] = experiments.INGREDIENTS) -> Ingredients:
        page = super().load(tidy, families)
        page.results = pages.study_results(page.preset)
        return page

    # ------------------------------------------------------------------------------------------- the gap

    def gap(self) -> pd.DataFrame:
        """Table 1's monolingual cells: NF after and before training (`study.training_effect`, the same runs on
        the same trials) and the paired GLMM's verdict."""
        effect = self.results.get("training_effect", pd.DataFrame())
        if effect.empty:
            return effect
        mono = effect[(effect.test == "nf") & (effect.condition_label == effect.lang)]
        return mono.assign(learned=100 * (mono.trained_accuracy - mono.untrained_accuracy))

    def numbers(self) -> dict:
        out = {"ingr_families": len(self.families), "ingr_run": sum(self.present(f) for f in self.families),
               "ingr_preset": self.preset, "ingr_paper_nf": f"{PAPER_NF} %"}  # fmt: skip
        gap = self.gap()
        for lang in LANGS:  # every name the prose reads, also where this build lacks a language's runs
            out |= {
                f"ingr_nf_{lang}": "(not run)",
                f"ingr_nf0_{lang}": "(not run)",
                f"ingr_learned_{lang}": "(not run)",
            }
        for r in gap.itertuples():
            out |= {f"ingr_nf_{r.lang}": f"{100 * r.trained_accuracy:.1f} %",
                    f"ingr_nf0_{r.lang}": f"{100 * r.untrained_accuracy:.1f} %",
                    f"ingr_learned_{r.lang}": f"{r.learned:+.1f}"}  # fmt: skip
        return out

    def renditions(self) -> str:
        """The prose's measure of eSpeak NG's state carried from word to word (`ingredients.rerendered`), as one
        sentence: the English training recordings rendered anew when the training voices speak the test words
        (with the validation loss of the two English seed-0 runs), the Dutch ones in the new-drawings world (French
        left out, nothing else of the speech changed); a build without those worlds says which it lacks. Markdown:
        the page glues it as such (`{glue:md}`), so the sentence is not set in bold as a glued number is."""
        default = ingredients.setting_world(self.members, "test-voices", "16 held-out")
        share, lacking = {}, []
        for lang, family, value, name in (
            ("en", "test-voices", "trained", "the test-voices family's (the training voices as test speakers)"),
            ("nl", "drawings", "new", "the drawings family's (new drawings)"),
        ):
            other = ingredients.setting_world(self.members, family, value)
            r = ingredients.rerendered(default, other, lang) if default and other else None
            if r:
                share[lang] = f"**{100 * r['share']:.0f} %**"  # bold, as a glued number is
            else:
                lacking.append(name)
        said = []
        if "en" in share:
            m = self.members
            loss = {}
            for value in ("trained", "16 held-out"):
                run = m[(m.family == "test-voices") & (m.value == value) & (m.train_langs == "en") & (m.seed == 0)]
                if len(run):
                    loss[value] = f"**{run.best_val_loss.iloc[0]:.4f}**"
            val = (f" (English seed 0's best validation loss {loss['trained']} there against {loss['16 held-out']}"
                   " in the default world)") if len(loss) == 2 else ""  # fmt: skip
            said.append(f"with the training voices as test speakers, {share['en']} of the English training recordings "
                        f"differ from the default world's{val}")  # fmt: skip
        if "nl" in share:
            verb = "do" if said else "differ from the default world's"
            said.append(f"in the new-drawings world, which leaves French out and changes nothing else of the speech, "
                        f"{share['nl']} of the Dutch training recordings {verb}")  # fmt: skip
        text = f"Measured in this build: {'; '.join(said)}." if said else ""
        if lacking:
            one = len(lacking) == 1
            text += (f" This build lacks {' and '.join(lacking)} world{'' if one else 's'}, on which the share of "
                     f"training recordings rendered anew is measured (`make book EXPERIMENTS=1` makes "
                     f"{'it' if one else 'them'}).")  # fmt: skip
        return text.strip()

    def gap_display(self) -> pd.DataFrame:
        gap = self.gap()
        if gap.empty:
            return gap
        return pd.DataFrame({
            "language": gap.lang.str.upper(), "runs": gap.runs,
            "NF untrained": gap.untrained_accuracy.map(lambda x: f"{100 * x:.1f} %"),
            "NF trained": gap.trained_accuracy.map(lambda x: f"{100 * x:.1f} %"),
            "learned ME, points": gap.learned.map(_pts),
            "log odds ratio [95 %]": [f"{r.log_odds_ratio:+.2f} [{r.low:+.2f}, {r.high:+.2f}]"
                                      for r in gap.itertuples()],
            "p (Holm)": gap.p_holm.map(lambda p: f"{p:.2g}" if np.isfinite(p) else "not tested"),
        })  # fmt: skip

    # --------------------------------------------------------------------------------------- a family

    def glmm(self, family: Family) -> pd.DataFrame:
        """The family's paired GLMM rows, as the analysis notebook stored them (`beyond.learned_me`)."""
        table = self.results.get("ingredients_learned", pd.DataFrame())
        return table[table.family == family.name] if len(table) else table

    @staticmethod
    def learned_display(summary: pd.DataFrame, glmm: pd.DataFrame) -> pd.DataFrame:
        """Per setting and tested language: NF untrained and trained (means over seeds), learned ME with its t
        interval over seeds, and the paired GLMM's log odds ratio trained vs untrained (Holm over the family)."""
        if summary.empty:
            return summary
        fit = glmm.set_index(["setting", "lang"]) if len(glmm) else pd.DataFrame()
        rows = []
        for r in summary.itertuples():
            key = (r.setting, r.lang)
            g = fit.loc[key] if key in fit.index else None
            ok = g is not None and bool(g.get("diagnostics_ok", True) is not False) and np.isfinite(g.p_holm)
            rows.append({
                "tested on": r.lang.upper(), "setting": r.setting,
                "NF untrained": f"{r.untrained:.1f} %", "NF trained": f"{r.trained:.1f} %",
                "learned ME [95 %]": f"{r.mean:+.1f} [{r.low:+.1f}, {r.high:+.1f}]" if r.runs > 1 else f"{r.mean:+.1f}",
                "GLMM log odds ratio [95 %]": "not fitted" if g is None else
                (f"{g.log_odds_ratio:+.2f} [{g.low:+.2f}, {g.high:+.2f}]" if ok else "fit failed"),
                "p (Holm)": f"{g.p_holm:.2g}" if ok else "—",
            })  # fmt: skip
        return pd.DataFrame(rows)

    @staticmethod
    def difference_display(difference: pd.DataFrame) -> pd.DataFrame:
        """Each setting's learned ME against the default's, paired by seed (`ingredients.learned_difference`)."""
        if difference.empty:
            return difference
        return pd.DataFrame({
            "tested on": difference.lang.str.upper(), "setting": difference.setting,
            "learned ME − default's, points": difference.difference.map(_pts),
            "95 % interval": [f"[{lo:+.1f}, {hi:+.1f}]" for lo, hi in zip(difference.low, difference.high)],
            "p (Holm)": difference.p_holm.map("{:.2g}".format), "seeds": difference.seeds,
        })  # fmt: skip

    @staticmethod
    def learned_answer(family: Family, summary: pd.DataFrame, difference: pd.DataFrame, glmm: pd.DataFrame) -> str:
        """The family's answer about learned ME, in words computed from its tables."""
        if summary.empty:
            return ""
        parts = []
        for lang, part in summary.groupby("lang", sort=False):
            lo, hi = part.loc[part["mean"].idxmin()], part.loc[part["mean"].idxmax()]
            parts.append(f"in {lang.upper()} learned ME runs from {lo['mean']:+.1f} points with {lo.setting} to "
                         f"{hi['mean']:+.1f} with {hi.setting}")  # fmt: skip
        text = "Across the settings, " + "; ".join(parts) + "."
        if len(difference):
            reliable = difference[stats.reliable(difference.rename(columns={"difference": "estimate"}))]
            if reliable.empty:
                text += (f" No setting's learned ME differs reliably from the default's ({len(difference)} "
                         "comparisons, paired by seed, Holm-adjusted p ≥ 0.05).")  # fmt: skip
            else:
                items = [f"{r.setting} in {r.lang.upper()} ({r.difference:+.1f} points [{r.low:+.1f}, {r.high:+.1f}])"
                         for r in reliable.itertuples()]  # fmt: skip
                text += (f" {len(reliable)} of {len(difference)} settings × languages differ reliably from the "
                         "default in learned ME (paired by seed, Holm): " + "; ".join(items) + ".")  # fmt: skip
        if len(glmm):
            ok = glmm[(glmm.get("diagnostics_ok", pd.Series(True, index=glmm.index)) != False) & glmm.p_holm.notna()]  # noqa: E712
            above = ok[(ok.p_holm < 0.05) & (ok.log_odds_ratio > 0)]
            text += (f" By the paired GLMM, training raised NF reliably in {len(above)} of the {len(glmm)} "
                     f"setting × language cells ({len(glmm) - len(ok)} fits failed the convergence rule).")  # fmt: skip
        return text

    def show(
        self,
        family: Family,
        accuracy: pd.DataFrame,
        contrasts: pd.DataFrame,
        points: pd.DataFrame,
        summary: pd.DataFrame,
        difference: pd.DataFrame,
        geometry: pd.DataFrame | None = None,
    ) -> None:
        """The section's results: learned ME (answer, chart, table), then the trained accuracies against the
        default (Beyond's results: NF chart and contrasts, FF, the mechanism quantities per setting)."""
        from IPython.display import Markdown, display

        if not self.present(family):
            return
        glmm = self.glmm(family)
        display(Markdown("**Learned ME.** " + self.learned_answer(family, summary, difference, glmm)))
        order = [s.label for s in family.settings]
        display(charts.learned_chart(points, summary, order, family.axis, f"Learned ME: {family.title.lower()}"))
        display(Markdown("Per setting (five seeds; the interval is a t interval over seeds):"))
        display(self.learned_display(summary, glmm).style.hide(axis="index"))
        display(Markdown("Each setting against the default, paired by seed (Holm over the family):"))
        display(self.difference_display(difference).style.hide(axis="index"))
        self.results_of(family, accuracy, contrasts, geometry)

    def results_of(self, family, accuracy, contrasts, geometry) -> None:
        """Beyond's section results (the trained models against the default recipe), under a heading."""
        from IPython.display import Markdown, display

        display(Markdown("**The trained models against the default.**"))
        super().results(family, accuracy, contrasts, geometry)
        if len(accuracy) and (accuracy.test == "fn").any():
            display(Markdown("Familiar–novel accuracy (a familiar word against a novel picture), to tell ME from a "
                             "plain pull towards novel pictures:"))  # fmt: skip
            display(self.accuracy_display(accuracy, "fn").style.hide(axis="index"))

    # ------------------------------------------------------------------------------------- the decision

    def decision(self) -> str:
        """The pre-declared rule (`experiments.ADOPTION`) applied, in words."""
        parts = []
        for family in self.families:
            rule = ingredients.adoption(self.members, family)
            if rule is None:
                continue
            counts = "; ".join(f"{lang.upper()}: {v['lower']} of {v['seeds']} seeds"
                               for lang, v in rule["per_language"].items())  # fmt: skip
            head = (f"**{rule['candidate']}** (adopted when its validation loss is below the default run's in at "
                    f"least {rule['needed']} of 5 seeds in every language) — lower in {counts}.")  # fmt: skip
            if not rule["decided"]:
                parts.append(head + " Not all its runs are trained here, so no decision is taken.")
            elif rule["adopt"]:
                parts.append(head + " The rule **adopts** it: Table 1 is to be trained again in that world, and both "
                             "worlds' results stay in the book.")  # fmt: skip
            else:
                parts.append(head + " The rule **keeps the default world**.")
        parts.append("Never adopted, whatever their result (declared before the runs): 600 tokens per word, which "
                     "doubles every run's cost, and every setting below the default or of training length, which "
                     "are no gain in realism; and every setting of the second and third sets (frozen features, "
                     "width, who speaks the test words, new drawings, a mix of the audio encoder's layers), which are "
                     "probes of the gap, not changes of the world that validation data could judge.")  # fmt: skip
        return "\n\n".join(parts)

    # ------------------------------------------------------------------------------------- the languages

    @staticmethod
    def profile_display(profile: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The per-language profile as two tables: the models (NF before and after training, FF) and the words in
        the frozen audio features (likeness, crowding, spread over voices, a nearest-centroid probe, length,
        accents)."""
        if profile.empty:
            return profile, profile
        language = profile.lang.str.upper()
        models = pd.DataFrame({
            "language": language, "NF untrained": profile["nf untrained"].map("{:.1f} %".format),
            "NF trained": profile["nf trained"].map("{:.1f} %".format), "learned ME": profile.learned.map(_pts),
            "FF trained": profile["ff trained"].map("{:.1f} %".format),
        })  # fmt: skip
        words = pd.DataFrame({
            "language": language,
            "novel → nearest familiar": profile["novel similarity"].map("{:.3f}".format),
            "familiar ↔ familiar": profile.familiar_between.map("{:.3f}".format),
            "token → own word": profile.token_to_own.map("{:.3f}".format),
            "nearest-centroid probe": profile.nearest_centroid.map(lambda x: f"{100 * x:.1f} %"),
            "novel / familiar word, s": [f"{a:.2f} / {b:.2f}" for a, b in
                                         zip(profile["novel seconds"], profile["familiar seconds"])],
            "accents": profile.accents,
        })  # fmt: skip
        return models, words

    @staticmethod
    def languages_answer(profile: pd.DataFrame, relation: pd.DataFrame, words: pd.DataFrame) -> str:
        """The per-language look in words: which language learns least, how its frozen space and words differ
        from the others', and whether a word's likeness to the familiar words predicts its learned ME."""
        if profile.empty:
            return "This build holds no Table 1 monolingual run scored before and after training, which this needs."
        p = profile.set_index("lang")
        low = p.learned.idxmin()
        others = p.drop(index=low)
        text = (f"{low.upper()} learns least: {p.learned[low]:+.1f} points of learned ME (the others "
                + ", ".join(f"{lang.upper()} {v:+.1f}" for lang, v in others.learned.items()) + "). ")  # fmt: skip

        def compare(col: str) -> str:
            others_text = ", ".join(f"{lang.upper()} {v:.3f}" for lang, v in others[col].items())
            rank = "highest" if p[col][low] == p[col].max() else "lowest" if p[col][low] == p[col].min() else "middle"
            return f"{p[col][low]:.3f} ({others_text}; the {rank})"

        accents = int(p.accents[low])
        text += (
            f"In the frozen audio features, the cosine of its novel words with their nearest familiar word is "
            f"{compare('novel similarity')}; the mean cosine of its familiar words with each other (how crowded "
            f"they are) {compare('familiar_between')}; a token's cosine with its own word's centroid "
            f"{compare('token_to_own')}. eSpeak NG speaks it in {accents} accent{'s' if accents != 1 else ''} ("
            + ", ".join(f"{lang.upper()} {int(v)}" for lang, v in others.accents.items())
            + ")."
        )
        if len(relation):
            per = relation[(relation.outcome == "learned") & (relation.lang != "pooled")]
            pooled = relation[relation.lang == "pooled"]
            items = ", ".join(f"{r.lang.upper()} ρ = {r.rho:+.2f} (p = {r.p:.2g}, {r.words} words)"
                              for r in per.itertuples())  # fmt: skip
            text += f" Within each language, a novel word's similarity and its learned ME: {items}."
            if len(pooled):
                r = pooled.iloc[0]
                text += (f" Pooled with a level per language, one SD more similarity goes with {r.slope:+.1f} points "
                         f"[{r.low:+.1f}, {r.high:+.1f}] of learned ME (p = {r.p:.2g}).")  # fmt: skip
        return text


def verdict(differences: dict[str, pd.DataFrame], profile: pd.DataFrame | None = None) -> str:
    """What the ingredients say together: per family, whether any setting moved learned ME reliably (paired by
    seed, Holm within the family), from the tables the page computed (`ingredients.learned_difference`), how
    wide the intervals were (the changes they cannot exclude), and, given the per-language `profile`, on which
    frozen-feature measures the language that learns least stands at an extreme of the three."""
    moved, flat, absent, halves = [], [], [], []
    for name, table in differences.items():
        title = experiments.FAMILY[name].title.lower().rstrip("?")
        if table is None or table.empty:
            absent.append(title)
            continue
        halves += list((table.high - table.low) / 2)
        reliable = table[stats.reliable(table)]
        if reliable.empty:
            flat.append(f"{title} (largest change {table.difference.abs().max():.1f} points)")
        else:
            moved.append(f"{title}: " + "; ".join(
                f"{r.setting} in {r.lang.upper()} {r.difference:+.1f} points [{r.low:+.1f}, {r.high:+.1f}]"
                for r in reliable.itertuples()))  # fmt: skip
    parts = []
    if moved:
        parts.append("Reliable changes of learned ME against the default world — " + " · ".join(moved) + ".")
    if flat:
        parts.append("No reliable change with " + ", ".join(flat) + ".")
    if flat and not moved:
        parts.append("Within the ranges tried, none of these ingredients explains why the miniature's learned ME "
                     "is small.")  # fmt: skip
    if halves:
        parts.append(f"The paired intervals reach ±{np.median(halves):.1f} points (median half-width; up to "
                     f"±{max(halves):.1f}), so changes of that size are not excluded: five seeds resolve no "
                     "finer.")  # fmt: skip
    if absent:
        parts.append("Not trained in this build: " + ", ".join(absent) + ".")
    if profile is not None and len(profile) > 2:
        p = profile.set_index("lang")
        low = p.learned.idxmin()
        names = {"novel similarity": "its novel words' likeness to its familiar words",
                 "familiar_between": "how crowded its familiar words are",
                 "token_to_own": "how alike a word's tokens are across voices",
                 "nearest_centroid": "how well a nearest-centroid probe tells its familiar words apart",
                 "accents": "its number of accents"}  # fmt: skip
        extreme = [f"{what} ({'highest' if p[col][low] == p[col].max() else 'lowest'})"
                   for col, what in names.items() if p[col][low] in (p[col].max(), p[col].min())]  # fmt: skip
        if extreme:
            parts.append(f"Of the frozen-feature measures, {low.upper()}, the language that learns least, stands at an "
                         f"extreme of the three languages in: {'; '.join(extreme)} — candidates for a cause, which "
                         "an experiment that changes them would have to test.")  # fmt: skip
    return " ".join(parts)
