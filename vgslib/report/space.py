"""What the geometry chapter computes: the embedding-space analyses of protocol §8 over the runs, the numbers
its prose glues, and its maps. Single-model figures use seed 0 of each Table 1 condition; comparisons of
kinds of model use every run of the reported preset (3-d models apart)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from vgslib.condition import parse_languages
from vgslib.encoders.prepare import StudyData
from vgslib.results import geometry, tables
from vgslib.sources import concepts
from vgslib.sources.manifest import Manifest

NAN = float("nan")


@dataclass
class Space:
    """The runs the chapter reads and their per-run geometry tables."""

    manifest: Manifest
    summary: pd.DataFrame  # every complete run
    first: pd.DataFrame  # seed 0 of each Table 1 condition
    run_dirs: dict  # first run name -> directory
    langs_of: dict  # run name -> training languages
    geo: dict  # geometry tables of the first runs
    geo_all: dict  # geometry tables of every run of the preset
    geo_untrained: dict  # the same for the untrained models (epoch 0) of those runs

    @classmethod
    def load(cls, tidy: dict, m: Manifest) -> Space:
        summary = tidy["runs"]
        first = tables.first_results(summary)
        every = summary[(summary["size"] != "3d") & (summary.preset == first.preset.iloc[0])]
        every = every[every.variant.fillna("") == ""] if "variant" in every else every  # the preset's recipe only
        geo_all = geometry.geometry_tables(dict(zip(every.run, every.dir)), m)
        geo_untrained = geometry.geometry_tables(dict(zip(every.run, every.dir)), m, untrained=True)
        for table in [*geo_all.values(), *geo_untrained.values()]:
            if len(table):
                table["train_langs"] = table.run.map(dict(zip(summary.run, summary.train_langs)))
                table["kind"] = table.run.map(dict(zip(summary.run, summary.kind)))
        geo = {k: v[v.run.isin(first.run)] if len(v) else v for k, v in geo_all.items()}
        langs_of = dict(zip(summary.run, summary.train_langs))
        return cls(m, summary, first, dict(zip(first.run, first.dir)), langs_of, geo, geo_all, geo_untrained)

    def languages(self, run: str) -> tuple[str, ...]:
        return parse_languages(self.langs_of[run])

    def familiar_image_variance(self, kind: str, untrained: bool = False) -> pd.Series:
        var = (self.geo_untrained if untrained else self.geo_all)["variance"]
        if var.empty:
            return pd.Series(dtype=float)
        return var[(var.modality == "image") & (var.group == "familiar") & (var.kind == kind)]["pooled"]

    def numbers(self) -> dict:
        mono_v, bi_v = self.familiar_image_variance("monolingual"), self.familiar_image_variance("bilingual")
        if len(mono_v) and len(bi_v):
            verdict = (
                "packed more tightly, as the paper found"
                if bi_v.mean() < mono_v.mean()
                else "not packed more tightly, unlike in the paper"
            )
        else:
            verdict = "not comparable (one kind of model is missing)"
        mono_0, bi_0 = (self.familiar_image_variance(k, untrained=True) for k in ("monolingual", "bilingual"))
        return {
            "var_img_mono0": float(mono_0.mean()) if len(mono_0) else NAN,
            "var_img_bi0": float(bi_0.mean()) if len(bi_0) else NAN,
            "var_img_mono": float(mono_v.mean()) if len(mono_v) else NAN,
            "var_img_bi": float(bi_v.mean()) if len(bi_v) else NAN,
            "n_mono": int(len(mono_v)),
            "n_bi": int(len(bi_v)),
            "n_seeds_max": int(self.summary.groupby(["train_langs", "kind"]).seed.nunique().max()),
            "var_verdict": verdict,
        }

    def variance_by_kind(self, untrained: bool = False) -> pd.DataFrame:
        """Pooled variance of familiar embeddings by kind of model, a t interval over runs (of the untrained
        models, epoch 0: `untrained`)."""
        var = (self.geo_untrained if untrained else self.geo_all)["variance"]
        if var.empty:
            return pd.DataFrame(columns=["embeddings", "kind", "mean", "low", "high", "runs"])
        img = var[(var.modality == "image") & (var.group == "familiar")]
        audio = var[(var.modality == "audio") & (var.group == "familiar")]
        rows = pd.concat(
            [
                geometry.across_seeds(img, "pooled", ["kind"]).assign(embeddings="familiar images"),
                geometry.across_seeds(audio, "pooled", ["kind", "lang"])
                .assign(embeddings=lambda t: "familiar audio (" + t.lang + ")")
                .drop(columns="lang"),
            ]
        )
        return rows[["embeddings", "kind", "mean", "low", "high", "runs"]]

    def gap_table(self) -> pd.DataFrame:
        names = {
            "lang": "audio of",
            "centroid_distance": "centroid distance",
            "centroid_angle_deg": "angle (°)",
            "audio_cone": "audio cone (mean cos)",
            "image_cone": "image cone (mean cos)",
        }
        gap = self.geo["gap"]
        return gap[["train_langs", *names]].round(3).rename(columns=names)

    def embeddings(self, run: str, lang: str | None = None) -> tuple[dict, np.ndarray, str]:
        """A run's analysis embeddings, the rows of one test language (default: English, else the first)."""
        r = geometry.run_embeddings(self.run_dirs[run], self.manifest)
        langs = set(r["audio"].lang)
        lang = lang or ("en" if "en" in langs else sorted(langs)[0])
        return r, (r["audio"].lang == lang).to_numpy(), lang

    def distances(self) -> tuple[pd.DataFrame, dict]:
        """Audio–image cosine distances by group (F→F′, F→N, N→N, N→N′) in every first run, and their medians."""
        parts = []
        for name in self.run_dirs:
            r, sel, lang = self.embeddings(name)
            d = geometry.distance_groups(
                r["audio_emb"][sel], r["audio"].concept[sel], r["image_emb"], r["images"].concept, max_per_group=800
            )
            parts.append(d.assign(train_langs=f"{self.langs_of[name]} ({lang})"))
        distances = pd.concat(parts)
        medians = distances.groupby("group").distance.median()
        keys = {"d_nn": "N→N", "d_nnp": "N→N′", "d_ffp": "F→F′", "d_fn": "F→N"}
        return distances, {k: float(medians.get(g, np.nan)) for k, g in keys.items()}

    def example(self) -> tuple[str, dict, np.ndarray, str]:
        """The run single-model figures show (the English monolingual one, else another monolingual one), its
        embeddings, and the rows of its first test language."""
        mono = [n for n in self.run_dirs if len(self.languages(n)) == 1]
        english = [n for n in mono if self.langs_of[n] == "en"]
        name = (english or mono or list(self.run_dirs))[0]
        r = geometry.run_embeddings(self.run_dirs[name], self.manifest)
        lang = sorted(set(r["audio"].lang))[0]
        return name, r, (r["audio"].lang == lang).to_numpy(), lang

    def me_vs_distance(self) -> tuple[pd.DataFrame, dict]:
        """Per novel word and novel picture concept: NF accuracy against centroid distance, in the example run."""
        name, r, sel, _ = self.example()
        pairs = geometry.me_vs_distance(
            r["audio_emb"][sel],
            r["audio"].concept[sel].to_numpy(),
            r["image_emb"],
            r["images"].concept.to_numpy(),
            r["images"].source.to_numpy(),
        )
        rho = stats.spearmanr(pairs.distance, pairs.accuracy).statistic if len(pairs) > 2 else NAN
        mean = 100 * float(pairs.accuracy.mean()) if len(pairs) else NAN
        return pairs, {"me_rho": float(rho), "me_run": f"{self.langs_of[name]}", "me_mean": mean}

    def translation(self, prepared: StudyData) -> tuple[pd.DataFrame, dict]:
        """Bilingual models' translation accuracy beside the frozen encoder's (before any VGS training)."""
        tr = self.geo["translation"]
        numbers = {
            "chance_fam": 100 / len(concepts.FAMILIAR_NAMES),
            "chance_nov": 100 / len(concepts.TESTED_NOVEL_NAMES),
            "tr_fam": 100 * float(tr[tr.group == "familiar"].accuracy.mean()) if len(tr) else NAN,
            "tr_nov": 100 * float(tr[tr.group == "novel"].accuracy.mean()) if len(tr) else NAN,
        }
        if tr.empty:
            return tr, numbers
        base = geometry.frozen_translation(prepared, list(tr.direction.unique()))
        return tr.merge(base, on=["direction", "group"], how="left").drop(columns=["run"]), numbers

    def novel_novel(self, trials: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
        nn = trials[trials.run.isin(self.first.run) & (trials.test == "nn")]
        acc = nn.groupby(["train_langs", "lang"]).correct.mean().rename("novel–novel accuracy").reset_index()
        return acc, {"nn_mean": 100 * float(acc["novel–novel accuracy"].mean())}

    def map_points(self, r: dict, sel: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
        """Spoken words (of the selected rows) and pictures as one table of points, and their embeddings."""
        audio = r["audio"][sel].assign(modality="audio", source="")
        images = r["images"].assign(modality="image", word="", lang="", speaker="")
        points = pd.concat([audio, images], ignore_index=True)
        return points, np.concatenate([r["audio_emb"][sel], r["image_emb"]])

    def tsne(self):
        from vgslib.report import charts

        name, r, sel, _ = self.example()
        points, emb = self.map_points(r, sel)
        xy = geometry.tsne_2d(emb)
        return charts.scatter_2d(points.assign(x=xy[:, 0], y=xy[:, 1]), f"t-SNE, trained on {self.langs_of[name]}")

    def aligned_maps(self) -> tuple[object, dict]:
        """The example run aligned (orthogonal Procrustes) to a bilingual run on the same test items, in one
        PCA projection; the mean distance between an item's two embeddings before and after alignment."""
        from IPython.display import Markdown

        from vgslib.report import charts

        name, r, sel, lang = self.example()
        bi = [n for n in self.run_dirs if len(self.languages(n)) == 2 and lang in self.languages(n)]
        if not bi:
            nothing = {"proc_before": NAN, "proc_after": NAN, "proc_pair": "(no bilingual run)"}
            return Markdown("*No bilingual run to align to.*"), nothing
        rb, selb, _ = self.embeddings(bi[0], lang)
        points, mono_emb = self.map_points(r, sel)
        _, bi_emb = self.map_points(rb, selb)
        _, aligned = geometry.procrustes_align(mono_emb, bi_emb)
        numbers = {
            "proc_before": float(np.linalg.norm(mono_emb - bi_emb, axis=1).mean()),
            "proc_after": float(np.linalg.norm(aligned - bi_emb, axis=1).mean()),
            "proc_pair": f"{self.langs_of[name]} → {self.langs_of[bi[0]]}",
        }
        xy, half = geometry.pca_2d(np.concatenate([aligned, bi_emb])), len(aligned)
        chart = charts.scatter_2d(
            points.assign(x=xy[:half, 0], y=xy[:half, 1]), f"{self.langs_of[name]} (aligned)"
        ) & charts.scatter_2d(points.assign(x=xy[half:, 0], y=xy[half:, 1]), f"{self.langs_of[bi[0]]}")
        return chart, numbers

    def sphere(self):
        """The 3-d model's embeddings seen from two sides, or how to make one."""
        from IPython.display import Markdown

        from vgslib.report import charts

        three = self.summary[self.summary["size"] == "3d"]
        if three.empty:
            return Markdown(
                "*No 3-d run yet: it appears here once a run with `size=3d` exists (e.g. "
                "`python -m vgslib notebook train -p size 3d`).*"
            )
        r3 = geometry.run_embeddings(three.dir.iloc[0], self.manifest)
        points, e3 = self.map_points(r3, np.ones(len(r3["audio"]), dtype=bool))
        return charts.scatter_2d(points.assign(x=e3[:, 0], y=e3[:, 1]), "x–y view") & charts.scatter_2d(
            points.assign(x=e3[:, 0], y=e3[:, 2]), "x–z view"
        )


# Table formats: variances with three decimals and run counts as integers; accuracies (stored as 0-1) in %.
GAP_FORMAT = {"centroid distance": "{:.3f}", "angle (°)": "{:.1f}", "audio cone (mean cos)": "{:.3f}",
              "image cone (mean cos)": "{:.3f}"}  # fmt: skip


VARIANCE_FORMAT = {"mean": "{:.3f}", "low": "{:.3f}", "high": "{:.3f}", "runs": "{:.0f}"}


PERCENT_FORMAT = {"accuracy": "{:.1%}", "frozen features": "{:.1%}", "chance": "{:.1%}",
                  "novel–novel accuracy": "{:.1%}"}  # fmt: skip
