import pytest

from vgslib import testing
from vgslib.sources import miniature


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    """A tiny miniature world (EN + NL), built once per test session."""
    root = tmp_path_factory.mktemp("world") / "miniature"
    return miniature.build(testing.tiny_world_config(), str(root), progress=False, num_workers=2)
