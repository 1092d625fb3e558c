"""What the "Beyond the paper" chapter shows: for each family of `vgslib.experiments`, its declared settings, its
runs' accuracies with intervals, each setting against the Table 1 recipe, the geometry per setting, its
answer in words (computed) and what it cost. A family without runs says how to make them."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import pandas as pd

from vgslib import experiments
from vgslib.experiments import Family
from vgslib.report import charts, pages
from vgslib.results import beyond, mechanism, stats, tables
from vgslib.sources import concepts

HOW = "`make book EXPERIMENTS=1` (or `python -m vgslib grid experiments`, then `make book`)"
SETTING_QUANTITIES = ("var_img_fam", "me_margin", "referent", "between_img")  # shown per setting of a family


def _correlation(pairs: pd.DataFrame) -> tuple[float, float, float]:
    """Pearson's r between the pairs' word similarity and NF difference, with its 95 % interval."""
    from scipy import stats as scipy_stats

    r = scipy_stats.pearsonr(pairs["word similarity"], pairs["NF difference"])
    return (float(r.statistic), *map(float, r.confidence_interval(0.95)))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}\u00a0%"  # a non-breaking space: "60.7 %" never wraps


@dataclass
class Beyond:
    """The chapter's presentation of the families: each section's header (question, prediction, settings, or how
    to make its runs) and its results displayed from the tables the page computes in visible cells with
    `vgslib.results.beyond` (`accuracy_table`, `contrasts`, `geometry_table`, `exposure_slopes`, ...)."""

    members: pd.DataFrame  # (family, run) rows, see `beyond.assign`
    trials: pd.DataFrame
    preset: str
    summary: pd.DataFrame | None = None  # every run (the language comparison also reads Table 1's)
    families: tuple[Family, ...] = experiments.FAMILIES  # the chapter's families

    @classmethod
    def load(cls, tidy: dict, families: tuple[Family, ...] = experiments.FAMILIES):
        summary = tidy["runs"]
        first = tables.first_results(pages.require_runs(summary))
        if first.empty:
            raise pages.MissingInput(f"no Table 1 run of seed 0 to choose the preset from: {pages.HOW_TO_RUN}")
        preset = first.preset.iloc[0]
        return cls(beyond.assign(summary, preset, families), tidy["trials"], preset, summary, families)

    def present(self, family: Family) -> bool:
        return not beyond.own_runs(self.members, family).empty

    def settings(self, family: Family) -> pd.DataFrame:
        """The declared settings and how many of their runs this build holds."""
        have = self.members[self.members.family == family.name] if not self.members.empty else pd.DataFrame()
        rows = []
        for s in family.settings:
            n = int((have.setting == s.label).sum()) if len(have) else 0
            change = "; ".join(experiments.describe(k, v) for k, v in s.changes.items()) or "none (the Table 1 runs)"
            rows.append({"setting": s.label, "what changes": change,
                         "runs here": f"{n} of {len(family.conditions) * len(experiments.SEEDS)}"})  # fmt: skip
        return pd.DataFrame(rows)

    def intro(self, family: Family) -> str:
        scored = f" {family.scope_note}" if family.scope_note else ""
        trained = ", ".join(c.upper() for c in family.conditions)
        if any("train.languages" in s.changes for s in family.settings):
            trained = f"the languages each setting names (the baseline: the {trained} Table 1 runs)"
        return (
            f"**Question.** {family.question}\n\n**What the paper's account predicts.** {family.prediction}\n\n"
            f"**Trained:** {trained}, five seeds per setting.{scored}"
        )

    def missing(self, family: Family) -> str:
        return (
            f"*No run of this experiment in this build* ({beyond.expected_runs(family)} runs beyond Table 1). "
            f"Make them with {HOW}; this section then shows their results."
        )

    def header(self, family: Family) -> None:
        """The section's opening: question and prediction, the declared settings, and how to make the runs when
        this build has none (the section's results then show nothing)."""
        from IPython.display import Markdown, display

        display(Markdown(self.intro(family)))
        display(self.settings(family).style.hide(axis="index"))
        if not self.present(family):
            display(Markdown(self.missing(family)))

    # --------------------------------------------------------------------------------------------- results

    def chart(self, family: Family, accuracy: pd.DataFrame, test: str = "nf"):
        long = beyond.long_accuracies(self.members[self.members.family == family.name], family, self.trials)
        title = {"nf": "Novel–familiar (ME)", "ff": "Familiar–familiar"}[test] + f" accuracy: {family.title.lower()}"
        order = [s.label for s in family.settings]
        by_language = family.name == "languages"
        return charts.setting_chart(
            long[long.test == test], accuracy[accuracy.test == test], order, family.axis, title, by_language
        )

    @staticmethod
    def contrast_display(table: pd.DataFrame) -> pd.DataFrame:
        if table.empty:
            return table
        out = pd.DataFrame({"trained on": table.train_langs, "tested on": table.lang.str.upper(),
                            "setting": table.condition, "log odds ratio": table.log_odds_ratio.map("{:+.2f}".format),
                            "95 % interval": [f"[{lo:+.2f}, {hi:+.2f}]" for lo, hi in zip(table.low, table.high)],
                            "p (Holm)": table.p_holm.map("{:.3f}".format), "runs": table.runs})  # fmt: skip
        return out

    @staticmethod
    def accuracy_display(accuracy: pd.DataFrame, test: str = "nf") -> pd.DataFrame:
        t = accuracy[accuracy.test == test]
        return pd.DataFrame({"trained on": t.train_langs, "tested on": t.lang.str.upper(), "setting": t.setting,
                             "mean": t["mean"].map(_pct),
                             "95 % interval over seeds": [f"[{_pct(lo)}, {_pct(hi)}]" for lo, hi in zip(t.low, t.high)],
                             "runs": t.runs.astype(int)})  # fmt: skip

    def answer(
        self,
        family: Family,
        accuracy: pd.DataFrame,
        contrasts: pd.DataFrame,
        slopes: pd.DataFrame | None = None,
        effects: pd.DataFrame | None = None,
        pairs: pd.DataFrame | None = None,
    ) -> str:
        """The family's answer in words, from its tables: where ME is above chance, and which settings differ
        reliably from the Table 1 recipe (`contrasts`: GEE, Holm over the family); the balance family adds its
        dose-response (`slopes`), the language family its comparison with the monolingual models (`effects`,
        `pairs`)."""
        nf = accuracy[(accuracy.test == "nf") & (accuracy.runs > 1)] if len(accuracy) else accuracy
        if nf.empty:
            return self.missing(family)
        above = nf[stats.reliable(nf, +1, null=0.5)]
        parts = [
            f"Across its {len(nf)} setting × tested-language cells, NF runs from {_pct(nf['mean'].min())} "
            f"({nf.loc[nf['mean'].idxmin(), 'setting']}) to {_pct(nf['mean'].max())} "
            f"({nf.loc[nf['mean'].idxmax(), 'setting']}); its 95 % interval over seeds lies above chance in "
            f"{len(above)} of {len(nf)} cells."
        ]
        if not contrasts.empty:
            reliable = contrasts[stats.reliable(contrasts)]
            if reliable.empty:
                parts.append(
                    f"No setting differs reliably from the Table 1 recipe in NF ({len(contrasts)} contrasts, GEE over "
                    "runs, Holm-adjusted p ≥ 0.05)."
                )
            else:
                items = [
                    f"{r.condition} ({r.train_langs} tested on {r.lang.upper()}: "
                    f"{'higher' if r.log_odds_ratio > 0 else 'lower'}, log odds ratio {r.log_odds_ratio:+.2f} "
                    f"[{r.low:+.2f}, {r.high:+.2f}])"
                    for r in reliable.itertuples()
                ]
                parts.append(
                    f"{len(reliable)} of {len(contrasts)} settings × languages differ reliably from the Table 1 recipe "
                    f"in NF (GEE over runs, Holm): " + "; ".join(items) + "."
                )
        if effects is not None:
            parts.append(self.languages_answer(effects, pairs if pairs is not None else pd.DataFrame()))
        if slopes is not None:
            parts.append(self.exposure_answer(slopes))
        return " ".join(p for p in parts if p)

    @staticmethod
    def exposure_answer(slopes: pd.DataFrame) -> str:
        """The balance family's dose-response (`beyond.exposure_slopes`) in words: NF per 10 points more training
        in the tested language."""
        if slopes.empty:
            return ""
        items = [
            f"{r.lang.upper()} {r.slope:+.3f} [{r.low:+.3f}, {r.high:+.3f}]"
            + (f", Holm p = {r.p_holm:.3f}" if r.p_holm >= 0.001 else ", Holm p < 0.001")
            for r in slopes.itertuples()
        ]
        reliable = slopes[stats.reliable(slopes)]
        verdict = (
            "no tested language's NF reliably follows its share of the training"
            if reliable.empty
            else "; ".join(
                f"the more a model trains in {r.lang.upper()}, the {'stronger' if r.slope > 0 else 'weaker'} its "
                f"ME in {r.lang.upper()}"
                for r in reliable.itertuples()
            )
        )
        return (
            f"Dose-response over all {int(slopes.settings.max())} splits (log odds of a correct NF trial per 10 "
            f"points more training in the tested language; GEE over runs, Holm): " + "; ".join(items) + f": {verdict}."
        )

    def injected_display(self, table: pd.DataFrame):
        """The injected family's check (`beyond.injected_words`) for the page; nothing without its runs."""
        if table.empty or not self.present(experiments.FAMILY["injected"]):
            return None
        return pd.DataFrame({"setting": table.setting, "tested on": table.lang.str.upper(),
                             "the 8 injectable words": table.words, "NF": table["mean"].map(_pct),
                             "95 % interval over seeds": [f"[{_pct(lo)}, {_pct(hi)}]" for lo, hi in
                                                          zip(table.low, table.high)],
                             "runs": table.runs.astype(int)}).style.hide(axis="index")  # fmt: skip

    @staticmethod
    def geometry_answer(geometry: pd.DataFrame) -> str:
        """Does NF follow the familiar-picture variance across the settings (the paper's account)? In words, from
        the setting means of each training condition and tested language (`beyond.geometry_table`)."""
        if geometry.empty:
            return ""
        means = geometry.groupby(["train_langs", "lang", "setting"])[["nf", "var_img_fam"]].mean().reset_index()
        parts = []
        for (langs, lang), cell in means.groupby(["train_langs", "lang"]):
            if len(cell) < 3:
                continue
            r = float(cell.nf.corr(cell.var_img_fam))
            parts.append(
                f"{langs} tested on {lang.upper()}: familiar-picture variance {cell.var_img_fam.min():.3f}–"
                f"{cell.var_img_fam.max():.3f}, NF {_pct(cell.nf.min())}–{_pct(cell.nf.max())} "
                f"(correlation of the {len(cell)} setting means {r:+.2f})"
            )
        if not parts:
            return ""
        return "Across the settings — " + "; ".join(parts) + "."

    @staticmethod
    def geometry_display(family: Family, geometry: pd.DataFrame) -> pd.DataFrame:
        """Per setting (and tested language): the mechanism quantities' means over seeds, beside NF."""
        if geometry.empty:
            return geometry
        cols = ["nf", *SETTING_QUANTITIES]
        means = geometry.groupby(["setting", "train_langs", "lang"])[cols].mean().reset_index()
        order = {s.label: i for i, s in enumerate(family.settings)}
        means = means.assign(order=means.setting.map(order)).sort_values(["train_langs", "lang", "order"])
        out = means.drop(columns="order").rename(
            columns={
                **{q: mechanism.LABELS[q] for q in SETTING_QUANTITIES},
                "nf": "NF",
                "train_langs": "trained on",
                "lang": "tested on",
            }
        )
        out["NF"] = out["NF"].map(_pct)
        out["tested on"] = out["tested on"].str.upper()
        return out.round(3)

    def results(
        self,
        family: Family,
        accuracy: pd.DataFrame,
        contrasts: pd.DataFrame,
        geometry: pd.DataFrame | None = None,
        slopes: pd.DataFrame | None = None,
        effects: pd.DataFrame | None = None,
        pairs: pd.DataFrame | None = None,
    ) -> None:
        """The section's results, displayed from the tables the page computed: the answer in words, the NF chart
        and table, each setting against the Table 1 recipe, FF, the geometry per setting (or why it is not
        shown) and what a child study could test. Nothing when this build has no run of the family (its header
        said how to make them)."""
        from IPython.display import Markdown, display

        if not self.present(family):
            return
        display(Markdown("**Answer.** " + self.answer(family, accuracy, contrasts, slopes, effects, pairs)))
        display(self.chart(family, accuracy, "nf"))
        display(self.accuracy_display(accuracy, "nf").style.hide(axis="index"))
        if len(contrasts):
            display(Markdown("Each setting against the Table 1 recipe (NF; GEE over runs, Holm over the family):"))
            display(self.contrast_display(contrasts).style.hide(axis="index"))
        display(Markdown("Familiar–familiar accuracy, to tell a weaker ME from a model that learned less:"))
        display(self.accuracy_display(accuracy, "ff").style.hide(axis="index"))
        if not family.no_geometry:
            geometry = geometry if geometry is not None else pd.DataFrame()
            display(Markdown("The mechanism analysis's quantities per setting (means over seeds):"))
            display(self.geometry_display(family, geometry).style.hide(axis="index").format(precision=3))
            display(Markdown(self.geometry_answer(geometry)))
        else:
            display(Markdown(family.no_geometry))
        display(Markdown(f"**What a child study could test.** {family.child_study}"))

    def probe(self, family: Family) -> pd.DataFrame:
        """The linear probe of each setting's frozen encoders (their features exist once its runs trained)."""
        from vgslib.encoders.prepare import DataConfig, load_prepared_config, probe_report

        rows, missing = [], []
        for setting in family.settings:
            runs = self.members[(self.members.family == family.name) & (self.members.setting == setting.label)]
            if runs.empty:
                continue
            with open(os.path.join(runs.dir.iloc[0], "config.json")) as f:
                data = DataConfig.from_dict(json.load(f)["data"])
            try:  # read what the runs' own preparation made; a page never builds data
                prepared = load_prepared_config(data)
            except FileNotFoundError:
                missing.append(setting.label)
                continue
            report = probe_report(prepared)
            rows.append(report.assign(setting=setting.label, audio_encoder=data.audio_encoder.kind,
                                      image_encoder=data.image_encoder.kind))  # fmt: skip
        table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
        table.attrs["unprepared"] = missing  # settings whose runs exist but whose features are not in this data folder
        return table

    # --------------------------------------------------------------------------------------------- languages

    def pair_similarity(self, effects: pd.DataFrame) -> dict[str, float]:
        """Per bilingual pair of `effects` (`beyond.bilingual_effects`): how alike its words are in the frozen
        audio features, measured in the world of the family's runs (which holds every language; its English,
        French and Dutch items are the default world's). Read from what the runs' preparation made; {} when
        nothing of that world is prepared here."""
        from vgslib.encoders.prepare import DataConfig, load_prepared_config

        mine = beyond.own_runs(self.members, experiments.FAMILY["languages"])
        if mine.empty or effects.empty:
            return {}
        configs = [beyond.run_config(d)["data"] for d in mine.dir]
        world = next((c for c in configs if len(c["world"].get("languages", ())) > 3), None)
        if world is None:  # no run of the six-language world yet (the trilingual runs use the default one)
            return {}
        try:  # read what the runs' own preparation made; a page never builds data
            data = load_prepared_config(DataConfig.from_dict(world))
        except FileNotFoundError:
            return {}
        pairs = sorted(m for m in set(effects.model) if m.count("+") == 1)
        return {p: beyond.translation_similarity(data, *p.lower().split("+")) for p in pairs}

    @staticmethod
    def languages_answer(effects: pd.DataFrame, pairs: pd.DataFrame) -> str:
        """The language family's own answer: how many multilingual models differ reliably from the monolingual
        model of a language they are tested on, and whether the bilingual effect follows word similarity."""
        if effects.empty:
            return ""
        reliable = effects[stats.reliable(effects)]
        higher, lower = reliable[reliable.log_odds_ratio > 0], reliable[reliable.log_odds_ratio < 0]
        named = lambda t: ", ".join(f"{m} on {lang}" for m, lang in zip(t.model, t["tested on"]))  # noqa: E731
        text = (
            f"Of {len(effects)} comparisons of a multilingual model with the monolingual model of a language it "
            f"is tested on, {len(higher)} give the multilingual model a reliably higher NF"
            + (f" ({named(higher)})" if len(higher) else "")
            + f" and {len(lower)} a reliably lower one"
            + (f" ({named(lower)})" if len(lower) else "")
            + " (GEE over runs, Holm)."
        )
        if len(pairs) >= 3:
            r, low, high = _correlation(pairs)
            text += (
                f" Whether the bilingual effect follows how alike the two languages' words are: r = "
                f"{r:+.2f} [{low:+.2f}, {high:+.2f}] over {len(pairs)} pairs"
                + (" — too few pairs to tell." if low < 0 < high else ".")
            )
        return text

    @staticmethod
    def effects_display(effects: pd.DataFrame) -> pd.DataFrame:
        t = effects
        return pd.DataFrame({"model": t.model, "tested on": t["tested on"], "NF multilingual": t["NF multilingual"]
                             .map(_pct), "NF monolingual": t["NF monolingual"].map(_pct),
                             "log odds ratio": t.log_odds_ratio.map("{:+.2f}".format),
                             "95 % interval": [f"[{lo:+.2f}, {hi:+.2f}]" for lo, hi in zip(t.low, t.high)],
                             "p (Holm)": t.p_holm.map("{:.3f}".format), "runs": t.runs})  # fmt: skip

    @staticmethod
    def pairs_answer(pairs: pd.DataFrame) -> str:
        """Does the bilingual effect follow the pair's word similarity? In words, from `pairs`."""
        if len(pairs) < 3:
            return "Fewer than three language pairs have runs in this build: no relation is estimated."
        r, low, high = _correlation(pairs)
        closest, farthest = pairs.loc[pairs["word similarity"].idxmax()], pairs.loc[pairs["word similarity"].idxmin()]
        return (
            f"Over the {len(pairs)} bilingual pairs, word similarity runs from {farthest['word similarity']:.3f} "
            f"({farthest.pair}) to {closest['word similarity']:.3f} ({closest.pair}); the NF difference from the "
            f"monolingual models runs from {100 * pairs['NF difference'].min():+.1f} to "
            f"{100 * pairs['NF difference'].max():+.1f} points. Their correlation is r = {r:+.2f} "
            f"(95 % interval [{low:+.2f}, {high:+.2f}], {len(pairs)} pairs: "
            + ("an interval this wide settles nothing)." if high - low > 1 else "see the interval).")
        )

    def languages(self, effects: pd.DataFrame, pairs: pd.DataFrame) -> None:
        """The language-pairs section's own results, after `results`: every multilingual model against its
        monolingual ones, and the relation to word similarity."""
        from IPython.display import Markdown, display

        if not self.present(experiments.FAMILY["languages"]):
            return
        display(Markdown("Each multilingual model against the monolingual model of each language it is tested on "
                         "(NF; GEE over runs, Holm over the rows; Table 1's bilinguals included):"))  # fmt: skip
        display(self.effects_display(effects).style.hide(axis="index"))
        if len(pairs):
            display(charts.pairs_chart(pairs))
        display(Markdown(self.pairs_answer(pairs)))

    # --------------------------------------------------------------------------------------------- cost

    def _costs(self) -> list[dict]:
        return [beyond.compute(self.members, f) if not self.members.empty else {"runs": 0} for f in self.families]

    def cost_table(self) -> pd.DataFrame:
        """Each family's measured training time; a family with no run in this build has none to show (not 0)."""
        rows = []
        for family, c in zip(self.families, self._costs()):
            measured, absent = c["runs"] > 0, "not run here"
            rows.append({"experiment": family.title, "runs beyond Table 1": f"{c['runs']} of "
                         f"{beyond.expected_runs(family)}",
                         "training, core-minutes": f"{c['core_minutes']:.0f}" if measured else absent,
                         "on 2 cores, minutes": f"{c['two_core_minutes']:.0f}" if measured else absent})  # fmt: skip
        return pd.DataFrame(rows)

    def numbers(self) -> dict:
        return {
            "beyond_families": len(self.families),
            "beyond_run": sum(self.present(f) for f in self.families),
            "beyond_minutes": int(round(sum(c.get("two_core_minutes", 0) for c in self._costs()))),
            "beyond_preset": self.preset,
        }


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
