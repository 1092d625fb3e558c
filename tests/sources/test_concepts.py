import pytest

from vgslib.sources import concepts, pictures


def test_inventory_sizes_and_nautilus():
    assert len(concepts.FAMILIAR) == 13 and len(concepts.NOVEL) == 20
    assert concepts.TESTED_NOVEL_NAMES == tuple(n for n in concepts.NOVEL_NAMES if n != "nautilus")
    assert len(concepts.TESTED_NOVEL_NAMES) == 19


def test_protocol_translations():
    assert {lang: concepts.get("bear").words[lang] for lang in concepts.LANGUAGES} == {
        "en": "bear",
        "nl": "beer",
        "fr": "ours",
    }
    assert concepts.get("bear").word("hu") == "medve" and concepts.get("chair").word("de") == "Stuhl"
    assert concepts.get("umbrella").word("fr") == "parapluie"
    assert concepts.get("elephant").word("nl") == "olifant"


def test_words_unique_within_each_language():
    for lang in concepts.ALL_LANGUAGES:
        words = [c.words[lang].lower() for c in concepts.CONCEPTS.values()]
        assert len(words) == len(set(words)), lang


def test_every_pictogram_exists_in_both_sets():
    for c in concepts.CONCEPTS.values():
        assert c.pictograms
        for p in c.pictograms:
            for source in pictures.SOURCES:
                assert pictures.svg_path(source, p) is not None, (c.name, p, source)


def test_substitutions_are_in_the_inventory():
    for original, (ours, _) in concepts.SUBSTITUTIONS.items():
        assert original not in concepts.CONCEPTS
        assert ours in concepts.NOVEL_NAMES


def test_unknown_language_and_concept_are_named():
    with pytest.raises(ValueError, match="'tr'"):
        concepts.check_language("tr")
    with pytest.raises(ValueError, match="'zebra'"):
        concepts.get("zebra")
