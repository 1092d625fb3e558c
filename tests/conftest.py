import os

import pytest

from vgslib import testing
from vgslib.sources import miniature


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory):
    """A tiny miniature world (EN + NL), built once per test session."""
    root = tmp_path_factory.mktemp("world") / "miniature"
    return miniature.build(testing.tiny_world_config(), str(root), progress=False, num_workers=2)


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Tiny world + tiny pre-trained encoders + features, in a private data folder (one per test module)."""
    from vgslib.encoders.prepare import prepare

    root = tmp_path_factory.mktemp("data")
    old = os.environ.get("VGSLIB_DATA")
    os.environ["VGSLIB_DATA"] = str(root)
    cfg = testing.tiny_data_config()
    yield cfg, prepare(cfg, progress=False)
    if old is None:
        del os.environ["VGSLIB_DATA"]
    else:
        os.environ["VGSLIB_DATA"] = old
