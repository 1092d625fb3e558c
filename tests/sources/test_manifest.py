import pandas as pd
import pytest

from vgslib.sources import manifest


def _audio_row(**kw):
    row = {
        "id": "t1",
        "concept": "dog",
        "word": "dog",
        "lang": "en",
        "speaker": "s1",
        "split": "train",
        "path": "a.wav",
        "start": 0.0,
        "end": 0.5,
        "corpus": "c",
    }
    row.update(kw)
    return row


def test_valid_rows_pass_and_get_canonical_types():
    table = manifest.validate(pd.DataFrame([_audio_row(start="0.1", end="0.4")]), "audio")
    assert table.start.dtype == float and list(table.columns) == list(manifest.AUDIO_COLUMNS)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"concept": "zebra"}, "unknown concept 'zebra'"),
        ({"lang": "tr"}, "unknown lang 'tr'"),
        ({"split": "dev"}, "unknown split 'dev'"),
        ({"start": 0.5, "end": 0.2}, "start 0.5 and end 0.2"),
        ({"word": "chien", "corpus": "miniature"}, "says word 'chien' for concept 'dog'"),  # built here
    ],
)
def test_bad_audio_rows_are_named(change, message):
    with pytest.raises(manifest.ManifestError, match=message):
        manifest.validate(pd.DataFrame([_audio_row(**change)]), "audio", "m.csv")


def test_missing_column_and_duplicate_id():
    with pytest.raises(manifest.ManifestError, match=r"missing column\(s\) \['source'\]"):
        manifest.validate(pd.DataFrame([{"id": "i", "concept": "dog", "split": "test", "path": "p"}]), "images")
    with pytest.raises(manifest.ManifestError, match="duplicate id 't1'"):
        manifest.validate(pd.DataFrame([_audio_row(), _audio_row()]), "audio")


def test_empty_value_is_named(tmp_path):
    (tmp_path / "audio.csv").write_text(
        "id,concept,word,lang,speaker,split,path,start,end,corpus\nt1,dog,dog,en,,train,a.wav,0,0.5,c\n"
    )
    (tmp_path / "images.csv").write_text("id,concept,split,source,path\n")
    with pytest.raises(manifest.ManifestError, match="no value in column 'speaker'"):
        manifest.load(str(tmp_path))


def test_load_missing_manifest_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="audio.csv"):
        manifest.load(str(tmp_path))


def test_select_and_counts(tiny_world):
    test_en = tiny_world.select("audio", "test", familiar=False, lang="en")
    assert set(test_en.lang) == {"en"} and set(test_en.split) == {"test"}
    counts = manifest.counts(tiny_world)
    assert counts["audio tokens"].sum() == len(tiny_world.audio)
    assert counts["images"].sum() == len(tiny_world.images)


def test_only_words_built_here_must_be_the_inventory_s():
    row = {"id": "fr-cup-0", "concept": "cup", "word": "coupe", "lang": "fr", "speaker": "s", "split": "test",
           "path": "a.wav", "start": 0.0, "end": 0.5, "corpus": "reference"}  # fmt: skip
    assert manifest.validate(pd.DataFrame([row]), "audio").word.iloc[0] == "coupe"
    with pytest.raises(manifest.ManifestError, match="says word 'coupe' for concept 'cup'"):
        manifest.validate(pd.DataFrame([{**row, "corpus": "miniature"}]), "audio")
