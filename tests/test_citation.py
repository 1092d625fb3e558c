"""The repository says how to cite it."""

import yaml

from vgslib.paths import REPO_ROOT


def test_the_citation_file_names_the_project_and_the_study_it_reruns():
    cff = yaml.safe_load(open(f"{REPO_ROOT}/CITATION.cff"))
    assert {"cff-version", "message", "title", "authors"} <= set(cff)
    assert any("2506.04037" in ref.get("url", "") for ref in cff["references"])
