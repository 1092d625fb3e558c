"""The checks over the built HTML (run after every book build) find what they are meant to find."""

from vgslib.report import charts, htmlcheck, vega


def _page(body: str) -> str:
    return f"<html><body><main>{body}</main></body></html>"


def test_a_chart_of_the_book_is_a_numbered_described_figure():
    charts.use_book_theme()
    spec = {"description": "Accuracy of every run per condition.", "mark": "point"}
    first, second = (vega._offline_renderer(spec)["text/html"] for _ in range(2))
    assert "Figure 1." in first and "Figure 2." in second and 'aria-label="Figure 1. Accuracy' in first
    assert '"export": true' in first and '"editor": false' in first
    assert htmlcheck.check_page(_page(first + second), "p.html") == []


def test_a_chart_without_a_description_is_refused():
    import pytest

    with pytest.raises(ValueError, match="needs a description"):
        vega._offline_renderer({"mark": "point"})


def test_the_chart_functions_describe_their_charts():
    import pandas as pd

    chart = charts.similarity_chart(pd.DataFrame({"lang": ["en"], "concept": ["x"], "similarity": [0.5], "nf": [0.6],
                                                  "nearest familiar": ["dog"]}))  # fmt: skip
    assert "acoustic similarity" in vega.description(chart.to_dict())
    pair = (chart | chart).to_dict()
    assert vega.description(pair) == vega.description(chart.to_dict())  # one description said once
    points = pd.DataFrame({"group": ["familiar"], "concept": ["dog"], "modality": ["image"], "x": [0.0], "y": [0.0]})
    other = charts.scatter_2d(points, "map")
    joined = vega.description((chart | other).to_dict())  # a concatenation joins its parts' distinct ones
    assert joined.startswith(vega.description(chart.to_dict())) and joined.endswith(charts.scatter_2d.caption)


def test_figures_without_captions_or_descriptions_are_reported():
    bare = '<figure class="vgs-figure" id="figure-1"><div role="img"></div></figure>'
    problems = htmlcheck.check_page(_page(bare), "p.html")
    assert any("no numbered caption" in p for p in problems) and any("screen readers" in p for p in problems)


def test_unrendered_roles_placeholders_and_missing_numbers_are_reported():
    text = "<p>See {doc}`me`. Runs go to runs/-seed. NF is nan % here. {glue:md}`x`</p><pre>{doc}`fine in code`</pre>"
    problems = htmlcheck.check_page(_page(text), "p.html")
    assert len(problems) == 4 and all(p.startswith("p.html: ") for p in problems)


def test_an_exercise_without_a_solution_is_reported():
    page = _page('<div class="exercise admonition" id="ex-1">Do it.</div>')
    assert htmlcheck.check_page(page, "p.html") == ["p.html: 1 exercises but 0 solutions"]


def test_glossary_terms_are_read_for_the_once_only_check():
    html = '<dl class="glossary"><dt id="term-FF">FF<a>¶</a></dt><dt id="term-x">familiar–familiar</dt></dl>'
    assert htmlcheck.glossary_terms(html) == ["ff", "familiar–familiar"]


def test_every_executable_page_is_offered_as_a_notebook(tmp_path):
    import json

    from vgslib.report import book

    written = book.write_page_notebooks(str(tmp_path))
    names = {p.rsplit("/", 1)[1] for p in written}
    assert {"me.ipynb", "geometry.ipynb", "intro.ipynb"} <= names and "glossary.ipynb" not in names
    cells = json.load(open(tmp_path / "me.ipynb"))["cells"]
    assert any(c["cell_type"] == "code" and "load_runs" in "".join(c["source"]) for c in cells)
    for path in written:  # the page links the notebook it is offered as
        page = open(
            path.replace(str(tmp_path), book.GENERATED.replace("/_generated", "")).replace(".ipynb", ".md")
        ).read()
        assert f"_generated/{path.rsplit('/', 1)[1]}" in page


def test_pictures_join_the_charts_numbering_and_other_figures_are_reported():
    from PIL import Image

    charts.use_book_theme()
    chart = vega._offline_renderer({"description": "A chart of every run's accuracy.", "mark": "point"})["text/html"]
    picture = charts.picture_figure(Image.new("RGB", (8, 8)), "Some pictures.", "A grid of pictogram pictures.").data
    assert "Figure 1." in chart and "Figure 2." in picture and 'alt="A grid of pictogram pictures."' in picture
    assert htmlcheck.check_page(_page(chart + picture), "p.html") == []
    sphinx = '<figure class="align-default" id="id6"><img alt="x"/><figcaption>Fig. 1</figcaption></figure>'
    assert htmlcheck.check_page(_page(sphinx), "p.html") == ["p.html: a figure outside the book's one numbering (id6)"]


def test_the_paper_scale_section_reads_the_benchmark_or_says_how_to_make_it(monkeypatch, tmp_path):
    from vgslib.report import real_corpora

    table, numbers = real_corpora.paper_scale()  # the committed analysis/paper-scale.csv
    assert numbers["scale_tokens"] == 18_000 and numbers["scale_step"] > 0 and numbers["scale_flat_pools"] > 0
    assert numbers["scale_flat_pools"] < numbers["scale_pools"] and list(table.columns) == ["measure", "padded", "flat"]
    monkeypatch.setattr(real_corpora, "PAPER_SCALE", str(tmp_path / "none.csv"))
    table, numbers = real_corpora.paper_scale()
    assert table.empty and "bench_paper_scale.py" in numbers["scale_note"]


def test_an_output_showing_a_traceback_is_reported():
    page = '<main><div class="output traceback highlight-ipythontb">ValueError Traceback</div></main>'
    assert htmlcheck.check_page(page, "beyond") == ["beyond: an output shows a Python traceback"]
    assert htmlcheck.check_page('<main><div class="output text_plain">fine</div></main>', "beyond") == []
