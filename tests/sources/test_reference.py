"""The reference implementation's prepared data, in its exact layout, imported and trained on."""

import json
import os
import pathlib
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest

from vgslib import testing
from vgslib.encoders.base import EncoderConfig
from vgslib.encoders.precomputed import PrecomputedEncoder, PrecomputedFeaturesError
from vgslib.sources import reference


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    return testing.fabricate_reference(str(tmp_path_factory.mktemp("reference") / "ref"))


def test_a_clean_reference_folder_imports_without_problems(ref, tmp_path):
    imported = reference.import_reference(ref, str(tmp_path / "out"))
    m, trials = imported.manifest, imported.trials
    assert imported.problems == []
    assert set(m.audio.lang) == {"en", "nl"} and set(m.audio.split) == {"train", "val", "test"}
    assert len(m.audio[(m.audio.split == "train") & (m.audio.lang == "nl")]) == 13 * 3
    assert set(trials.test) == {"ff", "nf"} and (trials.concept != trials.distractor_concept).all()
    assert os.path.exists(m.path(m.images.path.iloc[0])) and os.path.exists(m.path(m.audio.path.iloc[0]))


def test_every_inconsistency_is_named(ref, tmp_path):
    bad = tmp_path / "ref"
    subprocess.run(["cp", "-r", ref, str(bad)], check=True)
    with h5py.File(bad / "output" / "features-audio" / "me-dataset-train-english-wavlm-base-plus.h5", "a") as f:
        del f["dog_trainutt0"]
    lists = bad / "data" / "filelists"
    audio = json.loads((lists / "audio-train-3.json").read_text())
    audio.append({"lang": "english", "name": "bench_x", "word-en": "bench"})
    (lists / "audio-train-3.json").write_text(json.dumps(audio))
    episodes = json.loads((lists / "novel-familiar-dutch-test.json").read_text())
    episodes[0]["image-neg"] = episodes[0]["image-pos"]
    episodes[1]["image-pos"] = {"name": "ghost_masked_0", "word-en": "dog"}
    (lists / "novel-familiar-dutch-test.json").write_text(json.dumps(episodes))
    problems = "\n".join(reference.import_reference(str(bad), str(tmp_path / "out")).problems)
    assert "audio-train-3.json: 'dog_trainutt0': no features in the train en feature file" in problems
    assert "'bench_x': word 'bench' is not in the inventory (the inventory has 'bell' instead" in problems
    assert "novel-familiar-dutch-test.json, episode 0: target and distractor share the concept" in problems
    assert "episode 1: names items no file list holds (['ghost_masked_0'])" in problems


def test_precomputed_features_are_read_as_tokens_and_bad_ones_named(ref, tmp_path):
    images = PrecomputedEncoder(EncoderConfig(kind="precomputed-image", path=f"{ref}/output/features-image"))
    rows = pd.DataFrame({"id": ["dog_train0"], "lang": [""]})
    (tokens,) = images.encode_rows(None, rows)
    assert tokens.shape == (64, 16) and images.dim == 16  # 16 x 8 x 8 -> 64 tokens of 16
    audio = PrecomputedEncoder(EncoderConfig(kind="precomputed-audio", path=f"{ref}/output/features-audio"))
    (word,) = audio.encode_rows(None, pd.DataFrame({"id": ["nl-hond_trainutt1"], "lang": ["nl"]}))
    assert word.ndim == 2 and word.shape[1] == 24
    with pytest.raises(PrecomputedFeaturesError, match="no features of item 'hond_trainutt9' \\(nl\\)"):
        audio.encode_rows(None, pd.DataFrame({"id": ["nl-hond_trainutt9"], "lang": ["nl"]}))
    cut = tmp_path / "cut"
    cut.mkdir()
    data = open(f"{ref}/output/features-image/me-dataset-test-dino-resnet50.h5", "rb").read()
    (cut / "me-dataset-test-dino-resnet50.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(PrecomputedFeaturesError, match="cannot be read as HDF5 \\(truncated\\?\\)"):
        PrecomputedEncoder(EncoderConfig(kind="precomputed-image", path=str(cut)))


def test_the_documented_route_import_check_prepare_train(ref, tmp_path):
    """import-reference -> check-corpus -> prepare -> the training notebook on the imported episodes."""
    env = {**os.environ, "VGSLIB_DATA": str(tmp_path / "data"), "VGSLIB_RUNS": str(tmp_path / "runs")}
    out = str(tmp_path / "corpus")

    def vgslib(*args):
        result = subprocess.run([sys.executable, "-m", "vgslib", *args], env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    assert "0 problem(s)" in vgslib("import-reference", ref, out)
    assert vgslib("check-corpus", out).startswith("0 error(s)")
    vgslib("prepare", "--config", f"{out}/reference-data.json", "--quiet")
    overrides = open(f"{out}/reference-data.json").read()
    vgslib("notebook", "train", "-p", "preset", "smoke", "-p", "train_languages", "nl", "-p", "progress", "false",
           "-p", "data_overrides", overrides)  # fmt: skip
    (run,) = (tmp_path / "runs").iterdir()
    used = pd.read_csv(run / "trials.csv")
    episodes = pd.read_csv(f"{out}/trials.csv")
    assert len(used) == len(episodes[episodes.lang == "nl"]) and set(used.test) == {"ff", "nf"}
    assert set(used.audio_id) <= set(episodes.audio_id)


def test_the_reference_s_own_words_are_kept_and_a_file_that_contradicts_them_is_named(tmp_path):
    """The reference's French and Dutch words are its own (a corpus says what its speakers said): they import as
    they are, hyphens and all ("cerf-volant" is "cerfvolant" in file names); a file name whose word is not the
    concepts.csv word of its concept is named."""
    ref = testing.fabricate_reference(str(tmp_path / "ref"), langs=("english", "french"))
    imported = reference.import_reference(ref, str(tmp_path / "out"))
    assert imported.problems == []
    fr = imported.manifest.audio[imported.manifest.audio.lang == "fr"]
    assert set(fr[fr.concept == "kite"].word) == {"cerfvolant"}
    table = (tmp_path / "ref" / "data" / "concepts.csv").read_text().replace("cup,kop,tasse", "cup,kop,coupe")
    (tmp_path / "ref" / "data" / "concepts.csv").write_text(table)
    problems = reference.import_reference(ref, str(tmp_path / "out2")).problems
    said = [p for p in problems if "the file says 'tasse', concepts.csv's fr word for 'cup' is 'coupe'" in p]
    assert said and all("tasse" in p for p in problems)  # the files, then the episodes that name them


def test_a_feature_file_rewritten_in_place_is_read_again(ref, tmp_path):
    """The feature store keys precomputed features on the files' contents: a group rewritten in place (same size,
    even the same modification time) changes the key, so stale features are never used."""
    folder = tmp_path / "features-audio"
    subprocess.run(["cp", "-r", f"{ref}/output/features-audio", str(folder)], check=True)
    path = folder / "me-dataset-train-dutch-wavlm-base-plus.h5"
    cfg = EncoderConfig(kind="precomputed-audio", path=str(folder))
    before, stat = PrecomputedEncoder(cfg).digest(), path.stat()
    with h5py.File(path, "r+") as f:
        f["hond_trainutt1"]["feature"][...] = f["hond_trainutt1"]["feature"][...] + 1.0
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert PrecomputedEncoder(cfg).digest() != before


def _copy(ref, tmp_path):
    bad = tmp_path / "ref"
    subprocess.run(["cp", "-r", ref, str(bad)], check=True)
    return bad


def test_a_malformed_reference_file_is_named_with_its_record(ref, tmp_path):
    bad = _copy(ref, tmp_path)
    lists = bad / "data" / "filelists"
    (lists / "image-valid.json").write_text("[{'name': ")
    with pytest.raises(reference.ReferenceLayoutError, match="image-valid.json is not valid JSON"):
        reference.import_reference(str(bad), str(tmp_path / "out"))
    (lists / "image-valid.json").write_text(json.dumps([{"name": "dog_valid0"}]))
    with pytest.raises(reference.ReferenceLayoutError, match="image-valid.json, record 0 has no 'word-en'"):
        reference.import_reference(str(bad), str(tmp_path / "out"))
    (lists / "image-valid.json").write_text((pathlib.Path(ref) / "data/filelists/image-valid.json").read_text())
    audio = json.loads((lists / "audio-train-3.json").read_text())
    del audio[5]["name"]
    (lists / "audio-train-3.json").write_text(json.dumps(audio))
    with pytest.raises(reference.ReferenceLayoutError, match="audio-train-3.json, record 5 has no 'name'"):
        reference.import_reference(str(bad), str(tmp_path / "out"))
    (lists / "audio-train-3.json").write_text((pathlib.Path(ref) / "data/filelists/audio-train-3.json").read_text())
    episodes = json.loads((lists / "familiar-familiar-english-test.json").read_text())
    del episodes[3]["image-neg"]
    (lists / "familiar-familiar-english-test.json").write_text(json.dumps(episodes))
    with pytest.raises(
        reference.ReferenceLayoutError, match="familiar-familiar-english-test.json, episode 3 has no 'image-neg'"
    ):
        reference.import_reference(str(bad), str(tmp_path / "out"))
    # On the command line: the message and exit status 2, no traceback.
    result = subprocess.run(
        [sys.executable, "-m", "vgslib", "import-reference", str(bad), str(tmp_path / "cli")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ") and "episode 3" in result.stderr


def test_an_episode_naming_an_excluded_item_says_why_it_was_excluded(ref, tmp_path):
    bad = _copy(ref, tmp_path)
    with h5py.File(bad / "output" / "features-audio" / "me-dataset-test-english-wavlm-base-plus.h5", "a") as f:
        del f["dog_testutt0"]
    with h5py.File(bad / "output" / "features-image" / "me-dataset-test-dino-resnet50.h5", "a") as f:
        del f["cat_masked_0"]
    problems = reference.import_reference(str(bad), str(tmp_path / "out")).problems
    audio_left_out = "names items the import left out ('en-dog_testutt0': no features in the test en feature file)"
    assert any(audio_left_out in p for p in problems)
    assert any("'cat_masked_0': no features in the test image feature file)" in p for p in problems)
    assert not any("no file list holds" in p for p in problems)


def test_features_of_the_wrong_layout_are_named(ref, tmp_path):
    folder = tmp_path / "features-image"
    subprocess.run(["cp", "-r", f"{ref}/output/features-image", str(folder)], check=True)
    with h5py.File(folder / "me-dataset-test-dino-resnet50.h5", "a") as f:
        channels_last = np.moveaxis(f["cat_masked_0"]["feature"][...], 0, -1)  # 8 x 8 x C
        del f["cat_masked_0"]
        f.create_group("cat_masked_0").create_dataset("feature", data=channels_last)
    images = PrecomputedEncoder(EncoderConfig(kind="precomputed-image", path=str(folder)))
    with pytest.raises(PrecomputedFeaturesError, match="'cat_masked_0' has shape \\(8, 8, 16\\), expected C x 8 x 8"):
        images.encode_rows(None, pd.DataFrame({"id": ["cat_masked_0"], "lang": [""]}))
    audio_folder = tmp_path / "features-audio"
    subprocess.run(["cp", "-r", f"{ref}/output/features-audio", str(audio_folder)], check=True)
    with h5py.File(audio_folder / "me-dataset-test-dutch-wavlm-base-plus.h5", "a") as f:
        del f["hond_testutt0"]
        f.create_group("hond_testutt0").create_dataset("feature", data=np.zeros((7, 25), np.float32))
    audio = PrecomputedEncoder(EncoderConfig(kind="precomputed-audio", path=str(audio_folder)))
    with pytest.raises(PrecomputedFeaturesError, match="'hond_testutt0' has 25 features per token, the first item 24"):
        audio.encode_rows(None, pd.DataFrame({"id": ["nl-hond_testutt0"], "lang": ["nl"]}))
