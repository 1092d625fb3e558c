import json
import os

import numpy as np
import pytest

from vgslib.atomic import atomic_path, temporary_name, write_json, write_jsonl


def test_the_temporary_name_is_per_process_and_keeps_the_extension(tmp_path):
    name = temporary_name(str(tmp_path / "embeddings.npz"))
    assert name.endswith(".npz") and str(os.getpid()) in name
    with atomic_path(str(tmp_path / "embeddings.npz")) as tmp:
        np.savez(tmp, x=np.arange(3))  # savez appends .npz to a name without it
    assert np.load(tmp_path / "embeddings.npz")["x"].tolist() == [0, 1, 2]
    assert os.listdir(tmp_path) == ["embeddings.npz"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "config.json"
    write_json(str(path), {"a": 1})
    with pytest.raises(RuntimeError), atomic_path(str(path)) as tmp:
        with open(tmp, "w") as f:
            f.write("{half")
        raise RuntimeError("killed while writing")
    assert json.loads(path.read_text()) == {"a": 1} and os.listdir(tmp_path) == ["config.json"]


def test_jsonl_rows(tmp_path):
    write_jsonl(str(tmp_path / "m.jsonl"), [{"b": 2, "a": 1}, {"a": 3}])
    assert (tmp_path / "m.jsonl").read_text() == '{"a": 1, "b": 2}\n{"a": 3}\n'


@pytest.mark.parametrize(
    "failure",
    [
        OSError(28, "No space left on device"),
        RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos"),
    ],
)
def test_a_full_disk_is_named_and_leaves_no_partial_file(tmp_path, failure):
    from vgslib.atomic import DiskFullError

    with pytest.raises(DiskFullError, match=r"the disk is full: could not write .*last\.pt \(\d+ MiB free\)"):
        with atomic_path(str(tmp_path / "last.pt")) as tmp:
            open(tmp, "wb").write(b"half a checkpoint")
            raise failure
    assert os.listdir(tmp_path) == []
