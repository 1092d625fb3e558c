"""The book's figures as web pages show them: one altair theme, the offline vega renderer that numbers and
captions every chart, and pictures numbered in the same sequence.

The book ships vega, vega-lite and vega-embed itself (a bundle written by `vgslib.report.book` from vl-convert),
so interactive charts render with no network. The chart functions themselves are in `vgslib.report.charts`.
"""

from __future__ import annotations

import functools
import hashlib
import html
import itertools
import json

import altair as alt

# Okabe & Ito's colour-blind-safe palette; where more categories than colours are shown (13 familiar concepts),
# the chart labels them directly (`scatter_2d`), so a repeated colour never has to be told apart.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def theme() -> dict:
    return {
        "config": {
            "view": {"continuousWidth": 420, "continuousHeight": 260, "stroke": None},
            "range": {"category": PALETTE},
            "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e6e6e6"},
            "legend": {"labelFontSize": 11, "titleFontSize": 12},
            "title": {"fontSize": 13, "anchor": "start"},
        }
    }


_figures = itertools.count(1)  # the page's figure numbers (restarted by `use_book_theme`)


def described(caption: str):
    """Decorator of a chart function: its chart carries `caption` as its description, which the book prints as
    the figure's caption and gives screen readers as the chart's label. The caption sits above the function it
    describes, so a change to a chart and to its words is one change."""

    def wrap(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            return fn(*args, **kwargs).properties(description=caption)

        inner.caption = caption
        return inner

    return wrap


def description(spec: dict) -> str:
    """A chart's description, or the distinct descriptions of the charts it concatenates (two maps drawn by one
    chart function share theirs, which a caption says once)."""
    if spec.get("description"):
        return spec["description"]
    parts = [description(s) for key in ("hconcat", "vconcat", "concat") for s in spec.get(key, [])]
    return " ".join(dict.fromkeys(p for p in parts if p))


def _offline_renderer(spec: dict, **kwargs) -> dict:
    """A numbered figure whose caption is the chart's description, drawn by the page's own vegaEmbed (loaded
    from the book's _static bundle), with PNG and SVG export and no link to an online editor."""
    text = description(spec)
    if not text:
        raise ValueError("a book chart needs a description (its caption and alt text): see vega.described")
    number = next(_figures)
    # Named after its content and place: the same runs give the same page, byte for byte.
    div = "vis-" + hashlib.sha256(f"{number}:{json.dumps(spec, sort_keys=True)}".encode()).hexdigest()[:12]
    label = html.escape(text, quote=True)
    actions = {"export": True, "source": False, "compiled": False, "editor": False}
    return {
        "text/html": (
            f'<figure class="vgs-figure" id="figure-{number}">'
            f'<div id="{div}" class="vgs-chart" role="img" aria-label="Figure {number}. {label}"></div>'
            f"<figcaption><strong>Figure {number}.</strong> {html.escape(text)}</figcaption></figure>"
            f'<script type="text/javascript">(function(){{var spec={json.dumps(spec)};'
            f'function show(){{vegaEmbed("#{div}", spec, {{"actions": {json.dumps(actions)}}}).catch(console.error);}}'
            f'if (typeof vegaEmbed !== "undefined") {{show();}} else {{window.addEventListener("load", show);}}'
            f"}})();</script>"
        )
    }


def picture_figure(image, description: str, alt: str):
    """A picture (a PIL image, or the path of an SVG or PNG file) as the page's next numbered figure, captioned
    with `description` and described by `alt` for screen readers; numbered in one sequence with the charts."""
    import base64
    import io

    from IPython.display import HTML

    if isinstance(image, str):
        mime = "image/svg+xml" if image.endswith(".svg") else "image/png"
        src = f"data:{mime};base64," + base64.b64encode(open(image, "rb").read()).decode()
    else:
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    number = next(_figures)
    return HTML(
        f'<figure class="vgs-figure" id="figure-{number}"><img src="{src}" alt="{html.escape(alt, quote=True)}" '
        f'style="max-width: 100%"/><figcaption><strong>Figure {number}.</strong> {html.escape(description)}'
        "</figcaption></figure>"
    )


def use_book_theme() -> None:
    """Register and enable the book's theme and offline renderer (call once at the top of a page)."""
    alt.theme.register("vgslib", enable=True)(theme)
    alt.renderers.register("vgslib-offline", _offline_renderer)
    alt.renderers.enable("vgslib-offline")
    alt.data_transformers.disable_max_rows()
    global _figures
    _figures = itertools.count(1)


def _static_renderer(spec: dict, **kwargs) -> dict:
    """The chart drawn once, as SVG inside the notebook: it shows in any viewer (JupyterLab, nbconvert, GitHub),
    with no script and no network; its description is the text a viewer without images shows."""
    import vl_convert

    return {"image/svg+xml": vl_convert.vegalite_to_svg(spec), "text/plain": description(spec)}


def use_standalone_theme() -> None:
    """The book's theme with charts drawn as SVG: for notebooks read outside the book (the lab's hand-in)."""
    alt.theme.register("vgslib", enable=True)(theme)
    alt.renderers.register("vgslib-static", _static_renderer)
    alt.renderers.enable("vgslib-static")
    alt.data_transformers.disable_max_rows()
