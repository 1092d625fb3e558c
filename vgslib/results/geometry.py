"""Geometry of the learned embedding space (protocol §8): variance, the modality gap, distances, ME vs
distance, cross-lingual translation, and low-dimensional pictures (PCA, t-SNE, Procrustes alignment).

Every function takes unit-norm embeddings (rows) and labels, and returns numbers or tidy DataFrames.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from scipy.linalg import orthogonal_procrustes

from vgslib.runs import UNTRAINED_EMBEDDINGS, load_embeddings
from vgslib.sources import concepts


def total_variance(emb: np.ndarray) -> float:
    """Trace of the covariance (ddof 0); for unit vectors it equals 1 - ||mean||^2."""
    if len(emb) == 0:
        return float("nan")
    centred = emb - emb.mean(0)
    return float((centred**2).sum(1).mean())


def within_class_variance(emb: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of each class's total variance."""
    return float(np.mean([total_variance(emb[labels == c]) for c in np.unique(labels)]))


def variance_table(emb: dict[str, np.ndarray], labels: dict[str, np.ndarray]) -> pd.DataFrame:
    """Rows (modality, group, pooled, within class) with group familiar / novel; keys of `emb`: modalities."""
    rows = []
    familiar = set(concepts.FAMILIAR_NAMES)
    for modality, e in emb.items():
        lab = np.asarray(labels[modality])
        for group, keep in (("familiar", np.isin(lab, list(familiar))), ("novel", ~np.isin(lab, list(familiar)))):
            if keep.any():
                rows.append(
                    {
                        "modality": modality,
                        "group": group,
                        "pooled": total_variance(e[keep]),
                        "within class": within_class_variance(e[keep], lab[keep]),
                        "n": int(keep.sum()),
                    }
                )
    return pd.DataFrame(rows)


def modality_gap(audio_emb: np.ndarray, image_emb: np.ndarray) -> dict:
    """Distance between the audio and image centroids, the angle between them, and each modality's cone
    (mean pairwise cosine within the modality: 1 = all embeddings identical, 0 = spread like random)."""
    ca, ci = audio_emb.mean(0), image_emb.mean(0)

    def cone(e):
        n = len(e)
        s = e.sum(0)
        return float((s @ s - n) / (n * (n - 1)))  # mean of off-diagonal cosines

    cos = float(ca @ ci / (np.linalg.norm(ca) * np.linalg.norm(ci)))
    return {
        "centroid_distance": float(np.linalg.norm(ca - ci)),
        "centroid_angle_deg": float(np.degrees(np.arccos(np.clip(cos, -1, 1)))),
        "audio_cone": cone(audio_emb),
        "image_cone": cone(image_emb),
    }


def distance_groups(
    audio_emb, audio_concept, image_emb, image_concept, max_per_group: int = 5000, seed: int = 0
) -> pd.DataFrame:
    """Cosine distances (1 - cos) between audio and image embeddings in the protocol's four groups, named word
    -> picture (the paper's FF', NF, NN, NN'; its "NF" is not the NF test, hence other names here): F→F′
    familiar audio vs other familiar images; F→N familiar audio vs novel images; N→N novel audio vs images of
    its own concept; N→N′ novel audio vs other novel images. Large groups are subsampled (fixed seed)."""
    audio_concept, image_concept = np.asarray(audio_concept), np.asarray(image_concept)
    fam_a, fam_i = np.isin(audio_concept, concepts.FAMILIAR_NAMES), np.isin(image_concept, concepts.FAMILIAR_NAMES)
    same = audio_concept[:, None] == image_concept[None, :]
    dist = 1 - audio_emb @ image_emb.T  # (A, I)
    masks = {
        "F→F′": fam_a[:, None] & fam_i[None, :] & ~same,
        "F→N": fam_a[:, None] & ~fam_i[None, :],
        "N→N": ~fam_a[:, None] & same,
        "N→N′": ~fam_a[:, None] & ~fam_i[None, :] & ~same,
    }
    rng = np.random.default_rng(seed)
    parts = []
    for name, mask in masks.items():
        values = dist[mask]
        if len(values) > max_per_group:
            values = rng.choice(values, max_per_group, replace=False)
        parts.append(pd.DataFrame({"group": name, "distance": values}))
    return pd.concat(parts, ignore_index=True)


def me_vs_distance(audio_emb, audio_concept, image_emb, image_concept, image_source) -> pd.DataFrame:
    """For each (novel query word, novel image concept) pair: NF-style accuracy (how often a picture of that
    novel concept beats a same-source familiar picture for the word's tokens) against the distance between
    the word's audio centroid and the image concept's centroid."""
    audio_concept, image_concept = np.asarray(audio_concept), np.asarray(image_concept)
    image_source = np.asarray(image_source)
    novel = [c for c in concepts.TESTED_NOVEL_NAMES if c in set(audio_concept) and c in set(image_concept)]
    familiar_img = np.isin(image_concept, concepts.FAMILIAR_NAMES)
    rows = []
    for word in novel:
        a = audio_emb[audio_concept == word]
        centroid_a = a.mean(0)
        for target in novel:
            t_idx = np.flatnonzero(image_concept == target)
            wins, total = 0, 0
            for source in np.unique(image_source[t_idx]):
                ts = image_emb[t_idx[image_source[t_idx] == source]]  # (n_t, E)
                fs = image_emb[familiar_img & (image_source == source)]  # (n_f, E)
                st, sf = a @ ts.T, a @ fs.T  # (n_a, n_t), (n_a, n_f)
                wins += int((st[:, :, None] > sf[:, None, :]).sum())
                total += st.size * sf.shape[1]
            centroid_t = image_emb[t_idx].mean(0)
            rows.append(
                {
                    "word": word,
                    "image_concept": target,
                    "own": word == target,
                    "accuracy": wins / total if total else np.nan,
                    "distance": float(np.linalg.norm(centroid_a - centroid_t)),
                }
            )
    return pd.DataFrame(rows)


def class_means(emb: np.ndarray, labels: np.ndarray, classes: list[str]) -> np.ndarray:
    means = np.stack([emb[labels == c].mean(0) for c in classes])
    return means / np.linalg.norm(means, axis=1, keepdims=True)


def translation_accuracy(emb_from, labels_from, emb_to, labels_to, classes: list[str]) -> float:
    """Nearest-class-mean classification of one language's word embeddings with (re-normalised) class
    means from the other language's embeddings; only the given classes take part."""
    labels_from, labels_to = np.asarray(labels_from), np.asarray(labels_to)
    classes = [c for c in classes if (labels_from == c).any() and (labels_to == c).any()]
    if not classes:
        return float("nan")  # no class in both languages (e.g. no novel words in the analysis subset)
    keep = np.isin(labels_from, classes)
    means = class_means(emb_to, labels_to, classes)
    predicted = np.asarray(classes)[np.argmax(emb_from[keep] @ means.T, axis=1)]
    return float((predicted == labels_from[keep]).mean())


def pca_2d(emb: np.ndarray) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=0).fit_transform(emb)


def tsne_2d(emb: np.ndarray, seed: int = 0, perplexity: float = 30.0) -> np.ndarray:
    """A t-SNE map on one thread: its gradient's sums depend on the threads it is given, so a map would move
    with the cores of the machine and the pages built beside it."""
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    perplexity = min(perplexity, max(2.0, (len(emb) - 1) / 3))
    with threadpool_limits(1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(emb)


def procrustes_align(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The orthogonal R minimising ||source R - target|| over matched rows, and source R."""
    rotation, _ = orthogonal_procrustes(source, target)
    return rotation, source @ rotation


# ----------------------------------------------------------------------------- runs -> tidy tables


def run_embeddings(run_dir: str, manifest, untrained: bool = False) -> dict[str, pd.DataFrame | np.ndarray]:
    """A run's analysis embeddings (of the untrained model: `untrained`) with their metadata (word, lang,
    speaker / source) from the manifest."""
    e = load_embeddings(run_dir, untrained)
    audio = manifest.audio.set_index("id").loc[e["audio_id"], ["concept", "word", "lang", "speaker"]].reset_index()
    images = manifest.images.set_index("id").loc[e["image_id"], ["concept", "source"]].reset_index()
    for table in (audio, images):
        table["group"] = np.where(table.concept.isin(concepts.FAMILIAR_NAMES), "familiar", "novel")
    return {"audio": audio, "audio_emb": e["audio_emb"], "images": images, "image_emb": e["image_emb"]}


BOTH = "both"  # the `lang` of a bilingual's variance computed over the audio of both languages pooled


def geometry_tables(run_dirs: dict[str, str], manifest, untrained: bool = False) -> dict[str, pd.DataFrame]:
    """Variance, modality gap and translation per run and test language; keys of `run_dirs` are run names.
    A bilingual's audio variance comes per language and, as the reference computes it, over both languages
    together (`lang` = `BOTH`). With `untrained`, the same for the untrained models (epoch 0), where a run
    recorded them."""
    variances, gaps, translations = [], [], []
    for name, run_dir in run_dirs.items():
        if untrained and not os.path.exists(os.path.join(run_dir, UNTRAINED_EMBEDDINGS)):
            continue  # a run made before epoch-0 embeddings were kept
        r = run_embeddings(run_dir, manifest, untrained)
        keep_img = r["images"].concept.isin(list(concepts.FAMILIAR_NAMES) + list(concepts.TESTED_NOVEL_NAMES))
        img, img_lab = r["image_emb"][keep_img.to_numpy()], r["images"].concept[keep_img].to_numpy()
        table = variance_table({"image": img}, {"image": img_lab}).assign(run=name, lang="(images)")
        variances.append(table)
        langs = sorted(r["audio"].lang.unique())
        for lang in langs:
            sel = (r["audio"].lang == lang).to_numpy()
            a, lab = r["audio_emb"][sel], r["audio"].concept[sel].to_numpy()
            variances.append(variance_table({"audio": a}, {"audio": lab}).assign(run=name, lang=lang))
            gaps.append({"run": name, "lang": lang, **modality_gap(a, img)})
        if len(langs) == 2:  # a bilingual's audio of both languages together, as the reference computes it
            both = r["audio"].concept.to_numpy()
            variances.append(variance_table({"audio": r["audio_emb"]}, {"audio": both}).assign(run=name, lang=BOTH))
            for src, dst in ((langs[0], langs[1]), (langs[1], langs[0])):
                s, d = (r["audio"].lang == src).to_numpy(), (r["audio"].lang == dst).to_numpy()
                for group, classes in (("familiar", concepts.FAMILIAR_NAMES), ("novel", concepts.TESTED_NOVEL_NAMES)):
                    translations.append(
                        {
                            "run": name,
                            "direction": f"{src}→{dst}",
                            "group": group,
                            "accuracy": translation_accuracy(
                                r["audio_emb"][s],
                                r["audio"].concept[s].to_numpy(),
                                r["audio_emb"][d],
                                r["audio"].concept[d].to_numpy(),
                                list(classes),
                            ),
                            "chance": 1 / len(classes),
                        }
                    )
    cat = lambda parts: pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()  # noqa: E731
    return {"variance": cat(variances), "gap": pd.DataFrame(gaps), "translation": pd.DataFrame(translations)}


def across_seeds(table: pd.DataFrame, value: str, by: list[str], level: float = 0.95) -> pd.DataFrame:
    """Mean, standard error and a t interval of `value` over the runs in each group of `by` (seeds, or
    several conditions of one kind); with a single run the interval is undefined (NaN)."""
    from scipy import stats

    def summarise(values: pd.Series) -> pd.Series:
        n = len(values)
        mean = values.mean()
        sem = values.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        half = stats.t.ppf(0.5 + level / 2, n - 1) * sem if n > 1 else np.nan
        return pd.Series({"mean": mean, "sem": sem, "low": mean - half, "high": mean + half, "runs": n})

    return table.groupby(by)[value].apply(summarise).unstack().reset_index()


def frozen_translation(data, directions: list[str]) -> pd.DataFrame:
    """The translation baseline before any VGS training: nearest-class-mean translation on the frozen encoder's
    mean-pooled test features (`data`: the prepared StudyData), for directions "src→dst" as
    `geometry_tables` names them."""
    rows = []
    for direction in directions:
        src, dst = direction.split("→")
        emb = {}
        for lang in (src, dst):
            pooled = data.audio[("test", lang)].mean_pooled()
            emb[lang] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        labels = {lang: data.labels("audio", "test", lang).to_numpy() for lang in (src, dst)}
        for group, classes in (("familiar", concepts.FAMILIAR_NAMES), ("novel", concepts.TESTED_NOVEL_NAMES)):
            accuracy = translation_accuracy(emb[src], labels[src], emb[dst], labels[dst], list(classes))
            rows.append({"direction": direction, "group": group, "frozen features": accuracy})
    return pd.DataFrame(rows)
