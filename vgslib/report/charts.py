"""The book's charts: one function per figure, each a function of tidy DataFrames returning an `alt.Chart`,
with its caption above it (`vega.described`). The theme and the offline renderer are in `vgslib.report.vega`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from vgslib.report.vega import PALETTE, described, picture_figure, use_book_theme

__all__ = ["PALETTE", "picture_figure", "use_book_theme"]  # re-exported: a page needs one import for its figures


@described("Spoken word tokens per split and language, familiar and novel concepts.")
def counts_chart(counts: pd.DataFrame) -> alt.Chart:
    """Audio tokens per split and language, familiar vs novel (from `manifest.counts`)."""
    data = counts[counts["lang"] != "(images)"]
    return (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("audio tokens:Q", title="spoken word tokens"),
            y=alt.Y("lang:N", title=None),
            color=alt.Color("group:N", title="concepts"),
            row=alt.Row("split:N", title=None, sort=["train", "val", "test"]),
            tooltip=["split", "lang", "group", "audio tokens"],
        )
        .properties(height=60, width=380)
    )


@described(
    "Accuracy of a 13-way linear probe on the frozen encoders' mean-pooled features, per modality and "
    "language; the dashed line is the bar the study requires."
)
def probe_chart(report: pd.DataFrame, bar: float) -> alt.Chart:
    """Probe accuracy per modality and language, with the bar the encoders must pass."""
    data = report.assign(which=report["modality"] + report["lang"].map(lambda l: f" ({l})" if l else ""))
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X("accuracy:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y("which:N", title=None),
            color=alt.Color("modality:N", legend=None),
            tooltip=["modality", "lang", alt.Tooltip("accuracy:Q", format=".1%"), "n_test"],
        )
    )
    rule = alt.Chart(pd.DataFrame({"bar": [bar]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="bar:Q")
    return (bars + rule).properties(width=380, height=120)


@described(
    "Validation loss per epoch (top) and test accuracy of each test per epoch, trained language and test "
    "language (bottom); epoch 0 is the untrained model, the dashed line is chance."
)
def curves_chart(long: pd.DataFrame, val: pd.DataFrame) -> alt.VConcatChart:
    """Test accuracies per epoch (lines per test, columns per test language, rows per condition) and the
    validation loss; hover shows the values. `long` from `results.curves`, `val` has epoch/val_loss/train_langs."""
    hover = alt.selection_point(fields=["epoch"], nearest=True, on="pointerover", empty=False)
    # The layers declare no data of their own: the facet hands each panel its condition's and language's rows
    # (a layer with its own data would draw every condition in every panel).
    base = alt.Chart().encode(
        x=alt.X("epoch:Q", title="epoch"),
        y=alt.Y("value:Q", title="accuracy", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        color=alt.Color("test name:N", title="test"),
    )
    lines = (
        base.mark_line(point=True)
        .encode(tooltip=["train_langs", "lang", "test name", "epoch", alt.Tooltip("value:Q", format=".1%")])
        .add_params(hover)
    )
    chance = alt.Chart().mark_rule(strokeDash=[3, 3], color="gray").encode(y=alt.datum(0.5))
    acc = (
        alt.layer(lines, chance, data=long)
        .properties(width=110, height=100)
        .facet(row=alt.Row("train_langs:N", title="trained on"), column=alt.Column("lang:N", title="tested on"))
    )
    loss = (
        alt.Chart(val)
        .mark_line(point=True)
        .encode(
            x="epoch:Q",
            y=alt.Y("val_loss:Q", title="validation loss", scale=alt.Scale(type="log")),
            color=alt.Color("train_langs:N", title="trained on"),
            tooltip=["train_langs", "epoch", alt.Tooltip("val_loss:Q", format=".3f")],
        )
        .properties(width=380, height=160)
    )
    return alt.vconcat(loss, acc).resolve_scale(color="independent")


@described(
    "Calibration of the estimators on simulated studies: coverage of the 95 % intervals with the target band "
    "shaded (top) and the share of studies with p < 0.05 per scenario, the target false-positive rate dashed "
    "(bottom)."
)
def calibration_chart(table: pd.DataFrame, coverage: tuple[float, float], fpr_max: float) -> alt.VConcatChart:
    """Coverage of the 95 % intervals (target band shaded) and the rate of p < 0.05 (false positives under no
    effect, with the target line; power under an effect) per scenario and estimator; `table` from
    `statistics.calibration`."""
    data = table[["scenario", "estimator", "studies", "coverage"]].assign(positive=table["rate_p_below_0.05"])
    y = alt.Y("scenario:N", title=None, sort=None)
    tips = ["scenario", "estimator", "studies", alt.Tooltip("coverage:Q", format=".1%"),
            alt.Tooltip("positive:Q", title="p < 0.05", format=".1%")]  # fmt: skip
    band = alt.Chart(pd.DataFrame({"low": [coverage[0]], "high": [coverage[1]]}))
    points = alt.Chart(data).mark_point(filled=True, size=60).encode(
        x=alt.X("coverage:Q", title="95 % interval covers the truth", scale=alt.Scale(domain=[0.7, 1]),
                axis=alt.Axis(format="%")),
        y=y, yOffset="estimator:N", color=alt.Color("estimator:N", title="estimator"), tooltip=tips,
    )  # fmt: skip
    cov = alt.layer(band.mark_rect(opacity=0.15, color="green").encode(x="low:Q", x2="high:Q"), points)
    bars = alt.Chart(data).mark_bar().encode(
        x=alt.X("positive:Q", title="share of studies with p < 0.05", scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%")),
        y=y, yOffset="estimator:N", color=alt.Color("estimator:N", title="estimator"), tooltip=tips,
    )  # fmt: skip
    line = alt.Chart(pd.DataFrame({"x": [fpr_max]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="x:Q")
    return alt.vconcat(cov.properties(width=300, height=200), alt.layer(bars, line).properties(width=300, height=200))


@described("Validation loss per epoch of each candidate schedule of the laptop sweep, per condition (seed 0).")
def schedule_chart(curves: pd.DataFrame) -> alt.Chart:
    """Validation loss per epoch of each candidate schedule (colour) in each condition (column), log scale;
    `curves` from `analysis/laptop-preset.csv`."""
    data = curves[curves.epoch > 0].assign(
        schedule=lambda t: t.epochs.astype(str) + " epochs, lr " + t.lr.map("{:g}".format)
    )
    return (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=12))
        .encode(
            x=alt.X("epoch:Q", title="epoch"),
            y=alt.Y("val_loss:Q", title="validation loss", scale=alt.Scale(type="log")),
            color=alt.Color("schedule:N", title="schedule"),
            tooltip=["condition", "schedule", "epoch", alt.Tooltip("val_loss:Q", format=".3f")],
        )
        .properties(width=200, height=130)
        .facet(facet=alt.Facet("condition:N", title="trained on (seed 0)"), columns=2)
    )


@described(
    "Table 1 trained with each sampler of negatives on the same five seeds: accuracy per training condition "
    "and test language under the paper's sampler (pool) and the in-step sampler (batch), per test (top), and "
    "the GLMM log odds ratio batch vs pool with its 95 % interval (bottom; no estimate at the ceiling)."
)
def negative_sampler_chart(cells: pd.DataFrame) -> alt.Chart:
    """`cells` from `analysis/sampler-check.csv` (`results.negative_sampler.cell_contrasts`)."""
    data = cells.assign(cell=cells.train_langs + " on " + cells.lang.str.upper(), test=cells.test.str.upper())
    order = data.drop_duplicates("cell").sort_values(["train_langs", "lang"]).cell.tolist()
    tests = ["FF", "NF", "FN"]
    long = data.melt(["cell", "test"], ["pool", "batch"], var_name="sampler", value_name="accuracy")
    y = alt.Y("cell:N", sort=order, title=None)
    sampler = dict(sort=["pool", "batch"], legend=alt.Legend(orient="top", title="negatives"))
    dots = (
        alt.Chart(long)
        .mark_point(filled=True, size=50)
        .encode(
            x=alt.X("accuracy:Q", title="accuracy", axis=alt.Axis(format="%", tickCount=4),
                    scale=alt.Scale(zero=False)),
            y=y,
            color=alt.Color("sampler:N", **sampler),
            tooltip=["cell", "test", "sampler", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .properties(width=130, height=alt.Step(14))
        .facet(column=alt.Column("test:N", title=None, sort=tests))
        .resolve_scale(x="independent")
    )  # fmt: skip
    tested = data[~data.ceiling.astype(bool)]
    colours = alt.Scale(domain=tests, range=[PALETTE[2], PALETTE[4], PALETTE[3]])  # apart from the samplers'
    effect = alt.Chart(tested).encode(
        y=y, color=alt.Color("test:N", title="test", scale=colours, legend=alt.Legend(orient="top")),
        yOffset=alt.YOffset("test:N", sort=tests),
    )  # fmt: skip
    bars = effect.mark_rule().encode(x=alt.X("low:Q", title="log odds ratio, batch vs pool (95 %)"), x2="high:Q")
    centres = effect.mark_point(filled=True).encode(
        x="log_odds_ratio:Q",
        tooltip=["cell", "test", alt.Tooltip("log_odds_ratio:Q", format="+.2f"), alt.Tooltip("low:Q", format="+.2f"),
                 alt.Tooltip("high:Q", format="+.2f"), alt.Tooltip("p_holm:Q", format=".3f")],
    )  # fmt: skip
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(strokeDash=[4, 3], color="black").encode(x="x:Q")
    effects = alt.layer(bars, centres, zero).properties(width=420, height=22 * len(order))
    return alt.vconcat(dots, effects).resolve_scale(color="independent")


@described("Accuracy per novel word (rows) and condition and test language (columns); orange above 50 %, blue below.")
def word_heatmap(table: pd.DataFrame, title: str) -> alt.Chart:
    """Accuracy per word (rows) and condition x test language (columns), from `results.per_word`."""
    data = table.assign(condition=table["train_langs"] + " → " + table["lang"])
    order = data.groupby("concept").accuracy.mean().sort_values(ascending=False).index.tolist()
    return (
        alt.Chart(data)
        .mark_rect()
        .encode(
            x=alt.X("condition:N", title="trained on → tested on"),
            y=alt.Y("concept:N", sort=order, title=None),
            color=alt.Color(
                "accuracy:Q",
                scale=alt.Scale(scheme="blueorange", domain=[0, 1], domainMid=0.5),
                legend=alt.Legend(format="%"),
            ),
            tooltip=["concept", "train_langs", "lang", alt.Tooltip("accuracy:Q", format=".0%")],
        )
        .properties(title=title, width=alt.Step(40), height=alt.Step(14))
    )


@described(
    "Total variance of the embeddings, pooled and within class, per training condition, modality, test "
    "language and familiar or novel group."
)
def variance_chart(table: pd.DataFrame) -> alt.Chart:
    """Total variance (pooled and within class) per condition, modality and familiar / novel group."""
    long = table.melt(
        id_vars=["run", "lang", "modality", "group", "train_langs"],
        value_vars=["pooled", "within class"],
        var_name="kind",
        value_name="variance",
    )
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("train_langs:N", title="trained on"),
            y=alt.Y("variance:Q", title="total variance"),
            color=alt.Color("group:N", title=None),
            xOffset="group:N",
            column=alt.Column("kind:N", title=None),
            row=alt.Row("panel:N", title=None),
            tooltip=["train_langs", "lang", "modality", "group", "kind", alt.Tooltip("variance:Q", format=".3f")],
        )
        .transform_calculate(panel="datum.modality + ' ' + datum.lang")
        .properties(width=200, height=120)
    )


@described("Box plots of word–picture cosine distances per group (F→F′, F→N, N→N, N→N′) and training condition.")
def distance_chart(table: pd.DataFrame) -> alt.Chart:
    """Box plots of audio-image cosine distances per group (F→F′, F→N, N→N, N→N′) and condition."""
    return (
        alt.Chart(table)
        .mark_boxplot(extent="min-max")
        .encode(
            x=alt.X("group:N", sort=["F→F′", "F→N", "N→N", "N→N′"], title=None),
            y=alt.Y("distance:Q", title="1 − cosine", scale=alt.Scale(zero=False)),
            color=alt.Color("group:N", legend=None),
            facet=alt.Facet("train_langs:N", title="trained on (tested on)", columns=3),
        )
        .properties(width=150, height=180)
    )


@described(
    "For every pair of a novel word and a novel picture concept: how often the novel picture beats the "
    "familiar one against the distance between their centroids."
)
def me_distance_chart(table: pd.DataFrame) -> alt.Chart:
    """ME-style accuracy of each (novel word, novel picture concept) pair against their centroid distance."""
    return (
        alt.Chart(table)
        .mark_circle(size=40, opacity=0.7)
        .encode(
            x=alt.X("distance:Q", title="distance between word and picture centroids", scale=alt.Scale(zero=False)),
            y=alt.Y("accuracy:Q", title="novel beats familiar", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            color=alt.Color("own:N", title="own concept"),
            tooltip=[
                "word",
                "image_concept",
                alt.Tooltip("accuracy:Q", format=".0%"),
                alt.Tooltip("distance:Q", format=".3f"),
            ],
        )
        .properties(width=380, height=260)
    )


@described(
    "Two-dimensional map of the embeddings: familiar concepts coloured and labelled at their centre, novel "
    "concepts grey; shapes mark the modality."
)
def scatter_2d(points: pd.DataFrame, title: str) -> alt.Chart:
    """2-d map of embeddings: familiar concepts coloured, novel grey; hover shows the item."""
    familiar = points[points.group == "familiar"]
    novel = points[points.group == "novel"]
    tooltip = ["modality", "concept", "word", "lang", "speaker", "source"]
    base = (
        alt.Chart(familiar)
        .mark_point(filled=True, size=30)
        .encode(
            x=alt.X("x:Q", title=None, axis=None),
            y=alt.Y("y:Q", title=None, axis=None),
            color=alt.Color("concept:N", title="familiar concept"),
            shape=alt.Shape("modality:N"),
            tooltip=[t for t in tooltip if t in points.columns],
        )
    )
    grey = (
        alt.Chart(novel)
        .mark_point(filled=True, size=20, color="#9a9a9a", opacity=0.6)
        # both layers hide their axes: vega-lite fails to merge a layer that shows them with one that does not
        .encode(
            x=alt.X("x:Q", axis=None),
            y=alt.Y("y:Q", axis=None),
            shape=alt.Shape("modality:N"),
            tooltip=[t for t in tooltip if t in points.columns],
        )
    )
    centres = familiar.groupby("concept")[["x", "y"]].mean().reset_index()  # label each familiar cluster directly
    labels = (
        alt.Chart(centres)
        .mark_text(fontSize=10, fontWeight="bold", dy=-9)
        .encode(x=alt.X("x:Q", axis=None), y=alt.Y("y:Q", axis=None), text="concept:N")
    )
    return (grey + base + labels).properties(title=title, width=380, height=320)


@described(
    "Accuracy of every run (a dot per seed) and the mean over seeds (a tick) per training condition and test "
    "language; the dashed line is chance."
)
def seeds_chart(runs: pd.DataFrame, test: str, title: str, untrained: pd.DataFrame | None = None) -> alt.LayerChart:
    """Accuracy of every run (a dot per seed) and the mean over seeds (a bar), per condition and test
    language, with chance at 50 %; `runs` comes from `study.per_run`. With `untrained` (`study.training_effect`)
    the same runs' accuracy before training is drawn as a grey open diamond: the level training starts from."""
    data = runs[runs.test == test].assign(panel=lambda t: "tested on " + t.lang.str.upper())
    if untrained is not None and len(untrained):
        start = untrained[untrained.test == test][["condition_label", "lang", "untrained_accuracy"]]
        data = data.merge(start, on=["condition_label", "lang"], how="left")
    order = data.drop_duplicates("condition_label").sort_values(["bilingual", "condition_label"]).condition_label
    data = data.assign(rank=data.condition_label.map({label: i for i, label in enumerate(order)}))  # mono first
    x = alt.X("condition_label:N", sort=alt.EncodingSortField("rank"), title="trained on")
    y = alt.Y("accuracy:Q", title="accuracy", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False))
    base = alt.Chart(data).properties(width=alt.Step(34), height=220)
    means = base.mark_tick(thickness=3, size=24, color="#3d3d3d").encode(x=x, y=alt.Y("mean(accuracy):Q"))
    dots = base.mark_circle(size=45, opacity=0.75).encode(
        x=x,
        y=y,
        color=alt.Color("condition_label:N", legend=None),
        tooltip=["condition_label", "lang", "seed", alt.Tooltip("accuracy:Q", format=".1%")],
    )
    chance = base.mark_rule(strokeDash=[4, 3], color="#888").encode(y=alt.datum(0.5))
    layers = [chance, dots, means]
    if "untrained_accuracy" in data:
        layers.append(base.mark_point(shape="diamond", size=110, color="#555", strokeWidth=2).encode(
            x=x, y=alt.Y("mean(untrained_accuracy):Q"),
            tooltip=["condition_label", "lang", alt.Tooltip("mean(untrained_accuracy):Q", title="untrained",
                                                           format=".1%")]))  # fmt: skip
    layered = alt.layer(*layers).facet(facet=alt.Facet("panel:N", title=None), columns=3)
    return layered.resolve_scale(x="independent").properties(title=title)  # each panel: its own conditions


@described(
    "Log odds ratio of each contrast with its 95 % interval, both estimators; left of the dashed zero line "
    "the condition is below its reference."
)
def forest_chart(contrasts: pd.DataFrame, title: str) -> alt.LayerChart:
    """Log odds ratios (condition vs reference) with 95 % intervals, one row per contrast and test
    language, both estimators side by side; `contrasts` comes from `study.contrasts`."""
    data = contrasts.assign(
        row=contrasts.condition + " vs " + contrasts.reference + "  (" + contrasts.lang.str.upper() + ")"
    )
    y = alt.Y("row:N", title=None, sort=data.row.drop_duplicates().tolist())
    base = alt.Chart(data).properties(width=360, height=alt.Step(16))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("low:Q", title="log odds ratio (condition vs reference)"),
        x2="high:Q",
        y=y,
        color=alt.Color("estimator:N", title=None, legend=alt.Legend(orient="bottom")),
        yOffset="estimator:N",
    )
    points = base.mark_point(filled=True, size=40).encode(
        x="log_odds_ratio:Q",
        y=y,
        color="estimator:N",
        yOffset="estimator:N",
        tooltip=[
            "condition",
            "reference",
            "lang",
            "estimator",
            alt.Tooltip("log_odds_ratio:Q", format=".2f"),
            alt.Tooltip("low:Q", format=".2f"),
            alt.Tooltip("high:Q", format=".2f"),
            alt.Tooltip("p_holm:Q", format=".3f", title="p (Holm)"),
        ],
    )
    zero = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(zero, bars, points).properties(title=title)


# ----------------------------------------------------------------------------- why: the mechanism, run by run


@described(
    "Change in NF accuracy per seed-to-seed standard deviation of each geometric quantity, with 95 % "
    "intervals (conditions held fixed)."
)
def predictor_chart(predictors: pd.DataFrame, names: dict, between: bool = False) -> alt.LayerChart:
    """Each quantity's slope (NF points per standard deviation) with its 95 % interval, strongest first: from seed
    to seed within conditions (`mechanism.predicts_nf`), or between conditions (`between`,
    `mechanism.between_conditions`, most reliable first)."""
    data = predictors.assign(name=predictors.quantity.map(names))
    data = data.sort_values("p") if between else data.sort_values("loglik gain", ascending=False)
    y = alt.Y("name:N", sort=data.name.tolist(), title=None)
    base = alt.Chart(data).properties(width=360, height=alt.Step(20))
    what = "between-condition" if between else "seed-to-seed"
    bars = base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
        x=alt.X("low:Q", title=f"NF points per {what} standard deviation of the quantity"), x2="high:Q", y=y
    )
    extra = [alt.Tooltip("p_holm:Q", format=".2g")] if "p_holm" in data else []
    extra += [] if between else [alt.Tooltip("loglik gain:Q", format=".1f")]
    points = base.mark_point(filled=True, size=50, color=PALETTE[0]).encode(
        x="slope:Q",
        y=y,
        tooltip=["name", alt.Tooltip("slope:Q", format="+.2f"), alt.Tooltip("low:Q", format="+.2f"),
                 alt.Tooltip("high:Q", format="+.2f"), alt.Tooltip("p:Q", format=".2g"), *extra],
    )  # fmt: skip
    zero = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(x=alt.datum(0))
    title = "What predicts a condition's ME accuracy" if between else "What predicts a run's ME accuracy"
    return alt.layer(zero, bars, points).properties(title=title)


@described(
    "NF accuracy of every condition and test language (mean over its runs) against the mean of a geometric "
    "quantity; colour: test language, shape: kind of model."
)
def condition_scatter(table: pd.DataFrame, x: str, title: str, x_title: str) -> alt.Chart:
    """Every (condition, test language) cell's mean over runs: NF accuracy against one quantity."""
    cells = table.groupby(["condition", "kind", "lang"])[["nf", x]].mean().reset_index()
    data = cells.assign(tested=cells.lang.str.upper())
    return (
        alt.Chart(data)
        .mark_point(filled=True, size=70, opacity=0.85)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)),
            y=alt.Y("nf:Q", title="NF accuracy (mean over runs)", axis=alt.Axis(format="%"),
                    scale=alt.Scale(zero=False)),
            color=alt.Color("tested:N", title="tested on"),
            shape=alt.Shape("kind:N", title="model"),
            tooltip=["condition", "tested", alt.Tooltip("nf:Q", format=".1%"), alt.Tooltip(f"{x}:Q", format=".3f")],
        )
        .properties(width=320, height=240, title=title)
    )  # fmt: skip


@described(
    "NF accuracy of every run and test language against a geometric quantity; colour: test language, shape: "
    "kind of model."
)
def nf_scatter(table: pd.DataFrame, x: str, title: str, x_title: str) -> alt.Chart:
    """Every run and test language: NF accuracy against one quantity, by test language and kind of model."""
    data = table.assign(tested=table.lang.str.upper())
    return (
        alt.Chart(data)
        .mark_point(filled=True, size=55, opacity=0.8)
        .encode(
            x=alt.X(f"{x}:Q", title=x_title, scale=alt.Scale(zero=False)),
            y=alt.Y("nf:Q", title="NF accuracy", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            color=alt.Color("tested:N", title="tested on"),
            shape=alt.Shape("kind:N", title="model"),
            tooltip=["run", "tested", alt.Tooltip("nf:Q", format=".1%"), alt.Tooltip(f"{x}:Q", format=".3f")],
        )
        .properties(width=320, height=240, title=title)
    )


@described(
    "The in-between measure of every run and test language, for pictures and spoken words, trained and "
    "untrained; below the dashed zero line novel items sit between the familiar clusters."
)
def between_chart(trained: pd.DataFrame, untrained: pd.DataFrame) -> alt.LayerChart:
    """The in-between measure of every run and test language (pictures, words), trained and untrained."""
    parts = []
    for when, table in (("trained", trained), ("untrained (epoch 0)", untrained)):
        for col, what in (("between_img", "pictures"), ("between_audio", "spoken words")):
            parts.append(table.assign(value=table[col], measure=f"{what}, {when}", p=table[f"{col}_p"]))
    data = pd.concat(parts, ignore_index=True)
    base = alt.Chart(data).properties(width=320, height=alt.Step(34))
    dots = base.mark_tick(thickness=2, size=18, opacity=0.7).encode(
        x=alt.X("value:Q", title="in-between: novel − familiar margin (negative: between clusters)"),
        y=alt.Y("measure:N", title=None, sort=data.measure.drop_duplicates().tolist()),
        color=alt.Color("kind:N", title="model"),
        tooltip=["run", "lang", alt.Tooltip("value:Q", format="+.3f"), alt.Tooltip("p:Q", format=".3f")],
    )
    zero = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(x=alt.datum(0))
    return alt.layer(zero, dots).properties(title="Do novel items sit between the familiar clusters?")


@described("NF accuracy against NN accuracy of every run and test language; the dashed lines mark chance.")
def referent_chart(table: pd.DataFrame) -> alt.LayerChart:
    """NF (novel vs familiar picture) against NN (own vs another novel picture) per run and test language."""
    data = table.assign(tested=table.lang.str.upper())
    base = alt.Chart(data).properties(width=300, height=260)
    dots = base.mark_point(filled=True, size=55, opacity=0.8).encode(
        x=alt.X("nn:Q", title="NN accuracy (own vs other novel picture)", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        y=alt.Y("nf:Q", title="NF accuracy (novel vs familiar picture)", axis=alt.Axis(format="%"),
                scale=alt.Scale(zero=False)),
        color=alt.Color("kind:N", title="model"),
        shape=alt.Shape("tested:N", title="tested on"),
        tooltip=["run", "tested", alt.Tooltip("nn:Q", format=".1%"), alt.Tooltip("nf:Q", format=".1%")],
    )  # fmt: skip
    chance_x = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(x=alt.datum(0.5))
    chance_y = base.mark_rule(color="#888", strokeDash=[4, 3]).encode(y=alt.datum(0.5))
    return alt.layer(chance_x, chance_y, dots).properties(title="Referent or novelty?")


@described(
    "NF accuracy (mean over seeds) against training steps for monolingual and bilingual models, per test language."
)
def steps_chart(curves: pd.DataFrame) -> alt.FacetChart:
    """NF accuracy (mean over seeds) against training steps, monolingual and bilingual, per test language."""
    data = curves[curves.kind.isin(["monolingual", "bilingual"])]
    data = data.groupby(["lang", "kind", "train_langs", "steps"]).nf.mean().reset_index()
    data = data.assign(panel="tested on " + data.lang.str.upper())
    line = (
        alt.Chart(data)
        .mark_line(point=alt.OverlayMarkDef(size=18))
        .encode(
            x=alt.X("steps:Q", title="training steps"),
            y=alt.Y("nf:Q", title="NF accuracy", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            color=alt.Color("kind:N", title="model"),
            detail="train_langs:N",
            tooltip=["train_langs", "steps", alt.Tooltip("nf:Q", format=".1%")],
        )
        .properties(width=170, height=180)
    )
    facets = line.facet(facet=alt.Facet("panel:N", title=None), columns=3)
    return facets.configure_legend(orient="bottom")


@described(
    "NF accuracy of every novel word against its acoustic similarity to the nearest familiar word of its "
    "language (frozen features)."
)
def similarity_chart(words: pd.DataFrame) -> alt.Chart:
    """Per novel word and language: NF accuracy against its similarity to the nearest familiar word."""
    data = words.assign(tested=words.lang.str.upper())
    return (
        alt.Chart(data)
        .mark_point(filled=True, size=55, opacity=0.8)
        .encode(
            x=alt.X(
                "similarity:Q",
                title="cosine to the nearest familiar word (frozen features)",
                scale=alt.Scale(zero=False),
            ),
            y=alt.Y(
                "nf:Q", title="NF accuracy (mean over runs)", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)
            ),
            color=alt.Color("tested:N", title="language"),
            tooltip=[
                "tested",
                "concept",
                "nearest familiar",
                alt.Tooltip("similarity:Q", format=".3f"),
                alt.Tooltip("nf:Q", format=".1%"),
            ],
        )  # fmt: skip
        .properties(width=360, height=260, title="Sound-alike novel words and ME")
    )


# ----------------------------------------------------------------------------- beyond the paper


@described(
    "Accuracy per setting of one experiment: a dot per seed, the mean over seeds with its 95 % interval, one "
    "panel per training condition and tested language (per tested language when the settings are languages); "
    "the dashed line is chance."
)
def setting_chart(
    runs: pd.DataFrame, means: pd.DataFrame, order: list[str], axis: str, title: str, by_language: bool = False
) -> alt.FacetChart:
    """One experiment's accuracies: `runs` from `beyond.long_accuracies` and `means` from
    `beyond.accuracy_table` (one test), settings on x in their declared order; one panel per training condition
    and tested language, or per tested language (`by_language`, when the settings change the languages)."""
    data = pd.concat([runs.assign(kind="run"), means.assign(kind="mean")], ignore_index=True)
    panel = "tested on " + data.lang.str.upper()
    data = data.assign(panel=panel if by_language else data.train_langs + " " + panel)
    x = alt.X("setting:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=140))  # axis: in title
    base = alt.Chart().encode(x=x)
    dots = (
        base.mark_circle(size=35, opacity=0.55, color=PALETTE[0])
        .encode(
            y=alt.Y("accuracy:Q", title="accuracy", axis=alt.Axis(format="%"), scale=alt.Scale(zero=False)),
            tooltip=["setting", "seed", alt.Tooltip("accuracy:Q", format=".1%")],
        )
        .transform_filter(alt.datum.kind == "run")
    )
    means_only = base.transform_filter(alt.datum.kind == "mean")
    bars = means_only.mark_rule(strokeWidth=2, color=PALETTE[1]).encode(y="low:Q", y2="high:Q")
    ticks = means_only.mark_tick(thickness=3, size=20, color=PALETTE[1]).encode(
        y="mean:Q", tooltip=["setting", alt.Tooltip("mean:Q", format=".1%"), "runs"]
    )
    chance = alt.Chart().mark_rule(strokeDash=[4, 3], color="#888").encode(y=alt.datum(0.5))
    step = 26 if by_language else 42  # languages: eight settings a panel, two panels side by side in the column
    layered = alt.layer(chance, dots, bars, ticks, data=data).properties(width=alt.Step(step), height=200)
    return layered.facet(facet=alt.Facet("panel:N", title=None), columns=2).properties(
        title=alt.Title(title, subtitle=f"x: {axis}")
    )


@described(
    "One dot per bilingual language pair: how alike its two languages' words are in the frozen audio features "
    "(x) against its NF accuracy minus that of the monolingual models, averaged over its two tested languages "
    "(y); the dashed line is no difference."
)
def pairs_chart(pairs: pd.DataFrame) -> alt.Chart:
    """The language-pairs family: each bilingual pair's NF difference from its monolingual models against how
    alike its two languages' words are in the frozen audio features."""
    base = alt.Chart(pairs).encode(
        x=alt.X("word similarity:Q", title="word similarity (frozen audio features)", scale=alt.Scale(zero=False)),
        y=alt.Y("NF difference:Q", title="NF, bilingual − monolingual", axis=alt.Axis(format="+%")),
    )
    dots = base.mark_circle(size=80, color=PALETTE[0]).encode(
        tooltip=["pair", alt.Tooltip("word similarity:Q", format=".3f"), alt.Tooltip("NF difference:Q", format="+.1%")]
    )
    labels = base.mark_text(dx=8, align="left", fontSize=11).encode(text="pair:N")
    zero = alt.Chart().mark_rule(strokeDash=[4, 3], color="#888").encode(y=alt.datum(0))
    return alt.layer(zero, dots, labels).properties(
        width=360, height=240, title=alt.Title("Bilingual effect and word similarity, per language pair")
    )


@described(
    "The four words (circles) and four pictures (squares) of the primer's toy example as directions on the unit "
    "circle, before and after contrastive training; a concept's word and picture share a colour."
)
def toy_embedding_chart(points: pd.DataFrame) -> alt.FacetChart:
    axis = alt.Scale(domain=[-1.1, 1.1])
    return (
        alt.Chart(points)
        .mark_point(size=120, filled=True)
        .encode(
            x=alt.X("x:Q", scale=axis),
            y=alt.Y("y:Q", scale=axis),
            color="concept:N",
            shape=alt.Shape("kind:N", scale=alt.Scale(domain=["word", "picture"], range=["circle", "square"])),
            tooltip=["concept", "kind"],
        )  # fmt: skip
        .properties(width=220, height=220)
        .facet(column=alt.Column("when:N", sort=["before training", "after training"], title=None))
    )


@described(
    "One panel per tested language: each run's learned ME (its trained NF accuracy minus the same run's untrained "
    "NF on the same trials, percentage points) as a dot, the mean over seeds with its 95 % interval as a tick and "
    "bar, settings in their declared order; the dashed line is no learned ME."
)
def learned_chart(points: pd.DataFrame, summary: pd.DataFrame, order: list[str], axis: str, title: str):
    """An ingredient family's learned ME (`ingredients.learned_points` and `learned_summary`) per setting."""
    data = pd.concat([points.assign(kind="run"), summary.rename(columns={"mean": "centre"}).assign(kind="mean")],
                     ignore_index=True).assign(panel=lambda d: "tested on " + d.lang.str.upper())  # fmt: skip
    x = alt.X("setting:N", sort=order, title=None, axis=alt.Axis(labelAngle=-30, labelLimit=140))
    base = alt.Chart().encode(x=x)
    dots = (
        base.mark_circle(size=35, opacity=0.55, color=PALETTE[0])
        .encode(
            y=alt.Y("learned:Q", title="learned ME, points (trained − untrained NF)"),
            tooltip=["setting", "seed", alt.Tooltip("learned:Q", format="+.1f")],
        )
        .transform_filter(alt.datum.kind == "run")
    )
    means = base.transform_filter(alt.datum.kind == "mean")
    bars = means.mark_rule(strokeWidth=2, color=PALETTE[1]).encode(y="low:Q", y2="high:Q")
    ticks = means.mark_tick(thickness=3, size=20, color=PALETTE[1]).encode(
        y="centre:Q", tooltip=["setting", alt.Tooltip("centre:Q", title="mean", format="+.1f"), "runs"]
    )
    zero = alt.Chart().mark_rule(strokeDash=[4, 3], color="#888").encode(y=alt.datum(0))
    layered = alt.layer(zero, dots, bars, ticks, data=data).properties(width=alt.Step(42), height=200)
    return layered.facet(facet=alt.Facet("panel:N", title=None), columns=2).properties(
        title=alt.Title(title, subtitle=f"x: {axis}")
    )


@described(
    "One dot per novel word and language (colour): how alike the word is to its language's nearest familiar word "
    "in the frozen audio features (x, cosine of the mean-pooled centroids) against the NF accuracy training gave "
    "it in the Table 1 monolingual models (y, trained minus untrained, percentage points); the dashed line is no "
    "learned ME."
)
def novel_words_chart(words: pd.DataFrame):
    """Per novel word of each language (`ingredients.word_table`): similarity to the familiar words against
    learned ME."""
    data = words.assign(language=words.lang.str.upper())
    base = alt.Chart(data).encode(
        x=alt.X(
            "similarity:Q", title="similarity to the nearest familiar word (frozen audio)", scale=alt.Scale(zero=False)
        ),
        y=alt.Y("learned:Q", title="learned ME, points"),
    )
    dots = base.mark_circle(size=60, opacity=0.8).encode(
        color=alt.Color("language:N", scale=alt.Scale(range=list(PALETTE[:3])), title="language"),
        tooltip=["language", "concept", "nearest familiar", alt.Tooltip("similarity:Q", format=".3f"),
                 alt.Tooltip("trained:Q", format=".1f"), alt.Tooltip("untrained:Q", format=".1f"),
                 alt.Tooltip("learned:Q", format="+.1f")],
    )  # fmt: skip
    zero = alt.Chart().mark_rule(strokeDash=[4, 3], color="#888").encode(y=alt.datum(0))
    return alt.layer(zero, dots).properties(
        width=420, height=260, title=alt.Title("Learned ME per novel word against its likeness to familiar words")
    )
