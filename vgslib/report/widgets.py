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


def audio_player_table(m: Manifest, rows: pd.DataFrame, columns: list[str]) -> str:
    """An HTML table with one embedded audio player per manifest row (the audio lives inside the page)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns) + "<th>listen</th>"
    body = []
    for r in rows.itertuples():
        wave = audio_io.load_segment(m.path(r.path), r.start, r.end)
        buf = io.BytesIO()
        sf.write(buf, wave, audio_io.SAMPLE_RATE, format="WAV", subtype="PCM_16")
        src = "data:audio/wav;base64," + base64.b64encode(buf.getvalue()).decode()
        cells = "".join(f"<td>{html.escape(str(getattr(r, c)))}</td>" for c in columns)
        body.append(f'<tr>{cells}<td><audio controls preload="none" src="{src}"></audio></td></tr>')
    return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
