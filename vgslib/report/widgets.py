"""Media for the book's pages: picture grids and audio players whose sound lives inside the page."""

from __future__ import annotations

import base64
import html
import io

import numpy as np
import pandas as pd
import soundfile as sf
from PIL import Image, ImageDraw

from vgslib.sources import media as audio_io
from vgslib.sources.manifest import Manifest


def picture_grid(
    m: Manifest, concepts: list[str], split: str, per_source: int = 2, thumb: int = 96, seed: int = 0
) -> Image.Image:
    """A grid: one row per concept, `per_source` pictures from each pictogram source, with labels."""
    table = m.images[(m.images.split == split) & m.images.concept.isin(concepts)]
    sources = sorted(table.source.unique())
    label_w = 90
    grid = Image.new("RGB", (label_w + thumb * per_source * len(sources), thumb * len(concepts)), "white")
    draw = ImageDraw.Draw(grid)
    rng = np.random.default_rng(seed)
    for row, concept in enumerate(concepts):
        draw.text((6, row * thumb + thumb // 2 - 6), concept, fill="black")
        for s, source in enumerate(sources):
            pool = table[(table.concept == concept) & (table.source == source)]
            picks = pool.iloc[np.sort(rng.choice(len(pool), min(per_source, len(pool)), replace=False))]
            for k, r in enumerate(picks.itertuples()):
                im = audio_io.load_image(m.path(r.path)).resize((thumb, thumb), Image.LANCZOS)
                grid.paste(im, (label_w + (s * per_source + k) * thumb, row * thumb))
    return grid


LANG_NAMES = {"en": "English", "fr": "French", "nl": "Dutch"}


def _player(m: Manifest, r) -> str:
    """One labelled audio player (the label names word, language and voice for screen readers too)."""
    wave = audio_io.load_segment(m.path(r.path), r.start, r.end)
    buf = io.BytesIO()
    sf.write(buf, wave, audio_io.SAMPLE_RATE, format="WAV", subtype="PCM_16")
    src = "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode()
    label = f"{r.word} ({r.concept}), {LANG_NAMES.get(r.lang, r.lang)}, voice {r.speaker}"
    return (
        f'<figure class="vgs-audio"><audio controls preload="none" src="{src}" aria-label="{html.escape(label)}">'
        f"</audio><figcaption>voice {html.escape(str(r.speaker))}</figcaption></figure>"
    )


def audio_grid(m: Manifest, rows: pd.DataFrame) -> str:
    """A compact HTML table of labelled audio players: one row per concept, one column per language, each cell
    the word as written and a player per speaker (the audio lives inside the page)."""
    langs = sorted(rows.lang.unique())
    head = "<th>concept</th>" + "".join(f"<th>{LANG_NAMES.get(lang, lang)}</th>" for lang in langs)
    body = []
    for concept in rows.concept.drop_duplicates():
        cells = []
        for lang in langs:
            part = rows[(rows.concept == concept) & (rows.lang == lang)]
            word = html.escape(str(part.word.iloc[0])) if len(part) else ""
            players = "".join(_player(m, r) for r in part.itertuples())
            cells.append(f"<td><strong>{word}</strong>{players}</td>")
        body.append(f"<tr><th>{html.escape(concept)}</th>{''.join(cells)}</tr>")
    return f'<table class="table vgs-audio-grid"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
