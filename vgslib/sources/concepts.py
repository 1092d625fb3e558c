"""The inventory: 13 familiar and 20 novel concepts, their words per language and their pictograms.

Familiar words and the English novel words follow the protocol (§2). The Dutch and French forms of the
novel words are this project's choice (common single words). Two novel concepts of the reference have no
pictogram in either set and are substituted (see `SUBSTITUTIONS`). Pictograms are Unicode sequences as
upper-case hex code points joined by '-', the naming both pictogram packages use.

`ADDED` holds 13 further concepts, in no test and in no world by default: the vocabulary-size experiment
(`vgslib.experiments`) builds a world with them (`WorldConfig.also_trained`) and trains on 20 or 26 familiar
concepts. They were chosen as concrete, picturable words a toddler hears, distinct from every familiar and novel
concept (no other bird, vehicle or instrument), each with pictograms in both sets; their translations are this
project's (common single words).
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "fr", "nl")  # the study's languages: the default world's
# Further languages for the language-pairs experiment (`vgslib.experiments`): German and Spanish, close to the
# study's (Germanic, Romance), and Hungarian, distant from all three (Uralic). All three were among the voices of
# the audio encoder's pre-training, as the study's were, so the encoder knows none of them better.
FURTHER_LANGUAGES = ("de", "es", "hu")
ALL_LANGUAGES = LANGUAGES + FURTHER_LANGUAGES
LANGUAGE_NAMES = {"en": "English", "fr": "French", "nl": "Dutch", "de": "German", "es": "Spanish", "hu": "Hungarian"}

# Every inventory concept's word in the further languages (this project's choice: the common word a child hears).
FURTHER_WORDS = {  # concept -> (de, es, hu)
    "bear": ("Bär", "oso", "medve"),
    "bird": ("Vogel", "pájaro", "madár"),
    "boat": ("Boot", "barco", "hajó"),
    "car": ("Auto", "coche", "autó"),
    "cat": ("Katze", "gato", "macska"),
    "clock": ("Uhr", "reloj", "óra"),
    "cow": ("Kuh", "vaca", "tehén"),
    "dog": ("Hund", "perro", "kutya"),
    "elephant": ("Elefant", "elefante", "elefánt"),
    "horse": ("Pferd", "caballo", "ló"),
    "scissors": ("Schere", "tijeras", "olló"),
    "sheep": ("Schaf", "oveja", "juh"),
    "umbrella": ("Regenschirm", "paraguas", "esernyő"),
    "ball": ("Ball", "pelota", "labda"),
    "cake": ("Kuchen", "pastel", "torta"),
    "trumpet": ("Trompete", "trompeta", "trombita"),
    "lamp": ("Lampe", "lámpara", "lámpa"),
    "bell": ("Glocke", "campana", "harang"),
    "piano": ("Klavier", "piano", "zongora"),
    "kite": ("Drachen", "cometa", "sárkány"),
    "barrel": ("Fass", "barril", "hordó"),
    "camera": ("Kamera", "cámara", "kamera"),
    "fan": ("Fächer", "abanico", "legyező"),
    "nautilus": ("Nautilus", "nautilo", "nautilusz"),
    "revolver": ("Revolver", "revólver", "revolver"),
    "buck": ("Hirsch", "ciervo", "szarvas"),
    "toilet": ("Toilette", "inodoro", "vécé"),
    "butterfly": ("Schmetterling", "mariposa", "pillangó"),
    "cup": ("Tasse", "taza", "csésze"),
    "guitar": ("Gitarre", "guitarra", "gitár"),
    "fork": ("Gabel", "tenedor", "villa"),
    "bus": ("Bus", "autobús", "busz"),
    "chair": ("Stuhl", "silla", "szék"),
}


@dataclass(frozen=True)
class Concept:
    name: str  # English name, the concept's id everywhere
    familiar: bool  # seen in training (True) or only in tests (False)
    words: dict  # lang -> the spoken word
    pictograms: tuple  # Unicode sequences that depict the concept
    tested: bool = True  # False only for nautilus, which the reference drops from every test

    def word(self, lang: str) -> str:
        check_language(lang)
        if lang not in self.words:
            raise ValueError(f"concept {self.name!r} has no word in {lang!r} (it has {sorted(self.words)})")
        return self.words[lang]


def _c(name, familiar, en, nl, fr, pictograms, tested=True):
    further = dict(zip(FURTHER_LANGUAGES, FURTHER_WORDS.get(name, ())))
    return Concept(name, familiar, {"en": en, "nl": nl, "fr": fr, **further}, tuple(pictograms), tested)


FAMILIAR = (
    _c("bear", True, "bear", "beer", "ours", ["1F43B", "1F43B-200D-2744-FE0F"]),
    _c(
        "bird",
        True,
        "bird",
        "vogel",
        "oiseau",
        ["1F426", "1F54A", "1F985", "1F99C", "1F989", "1F426-200D-2B1B", "1F424", "1F425"],
    ),
    _c("boat", True, "boat", "boot", "bateau", ["26F5", "1F6A4", "1F6E5", "1F6F6", "1F6A2"]),
    _c("car", True, "car", "auto", "voiture", ["1F697", "1F699", "1F698", "1F3CE", "1F693", "1F695"]),
    _c("cat", True, "cat", "kat", "chat", ["1F408", "1F431", "1F408-200D-2B1B"]),
    _c("clock", True, "clock", "klok", "horloge", ["1F570", "23F0", "1F550", "1F553", "1F556", "1F559"]),
    _c("cow", True, "cow", "koe", "vache", ["1F404", "1F42E"]),
    _c("dog", True, "dog", "hond", "chien", ["1F415", "1F436", "1F429", "1F9AE", "1F415-200D-1F9BA"]),
    _c("elephant", True, "elephant", "olifant", "éléphant", ["1F418"]),
    _c("horse", True, "horse", "paard", "cheval", ["1F40E", "1F434"]),
    _c("scissors", True, "scissors", "schaar", "ciseaux", ["2702"]),
    _c("sheep", True, "sheep", "schaap", "mouton", ["1F411", "1F40F"]),
    _c("umbrella", True, "umbrella", "paraplu", "parapluie", ["2602", "2614", "1F302", "26F1"]),
)

NOVEL = (
    _c("ball", False, "ball", "bal", "ballon", ["26BD", "1F3C0", "1F3C8", "26BE", "1F3BE", "1F3D0"]),
    _c("cake", False, "cake", "taart", "gâteau", ["1F382", "1F370", "1F9C1"]),
    _c("trumpet", False, "trumpet", "trompet", "trompette", ["1F3BA"]),
    _c("lamp", False, "lamp", "lamp", "lampe", ["1FA94", "1F4A1"]),
    _c("bell", False, "bell", "bel", "cloche", ["1F514", "1F6CE"]),
    _c("piano", False, "piano", "piano", "piano", ["1F3B9"]),
    _c("kite", False, "kite", "vlieger", "cerf-volant", ["1FA81"]),
    _c("barrel", False, "barrel", "ton", "tonneau", ["1F6E2"]),
    _c("camera", False, "camera", "camera", "caméra", ["1F4F7", "1F4F8", "1F4F9"]),
    _c("fan", False, "fan", "waaier", "éventail", ["1FAAD"]),
    _c("nautilus", False, "nautilus", "nautilus", "nautile", ["1F41A"], tested=False),
    _c("revolver", False, "revolver", "revolver", "revolver", ["1F52B"]),
    _c("buck", False, "buck", "bok", "cerf", ["1F98C"]),
    _c("toilet", False, "toilet", "toilet", "toilettes", ["1F6BD"]),
    _c("butterfly", False, "butterfly", "vlinder", "papillon", ["1F98B"]),
    _c("cup", False, "cup", "kop", "tasse", ["2615", "1F375", "1F964"]),
    _c("guitar", False, "guitar", "gitaar", "guitare", ["1F3B8"]),
    _c("fork", False, "fork", "vork", "fourchette", ["1F374", "1F37D"]),
    _c("bus", False, "bus", "bus", "bus", ["1F68C", "1F68D", "1F68E"]),
    _c("chair", False, "chair", "stoel", "chaise", ["1FA91"]),
)

# The vocabulary-size experiment's further familiar concepts, in the order they are added (7 make 20, all 13 make 26).
ADDED = (
    _c("apple", True, "apple", "appel", "pomme", ["1F34E", "1F34F"]),
    _c("fish", True, "fish", "vis", "poisson", ["1F41F", "1F420", "1F421"]),
    _c("house", True, "house", "huis", "maison", ["1F3E0", "1F3E1"]),
    _c("pig", True, "pig", "varken", "cochon", ["1F416", "1F437"]),
    _c("key", True, "key", "sleutel", "clé", ["1F511", "1F5DD"]),
    _c("tree", True, "tree", "boom", "arbre", ["1F333", "1F332", "1F334"]),
    _c("rabbit", True, "rabbit", "konijn", "lapin", ["1F407", "1F430"]),
    _c("banana", True, "banana", "banaan", "banane", ["1F34C"]),
    _c("frog", True, "frog", "kikker", "grenouille", ["1F438"]),
    _c("book", True, "book", "boek", "livre", ["1F4D6", "1F4D5", "1F4D7", "1F4D8", "1F4D9"]),
    _c("monkey", True, "monkey", "aap", "singe", ["1F412", "1F435"]),
    _c("shoe", True, "shoe", "schoen", "chaussure", ["1F45F", "1F45E"]),
    _c("hat", True, "hat", "hoed", "chapeau", ["1F3A9", "1F452", "1F9E2"]),
)

# Reference concept -> (our concept, why): no pictogram set has a bench or a cannon.
SUBSTITUTIONS = {
    "bench": ("bell", "no bench pictogram in OpenMoji or Twemoji"),
    "cannon": ("kite", "no cannon pictogram in OpenMoji or Twemoji"),
}

CONCEPTS = {c.name: c for c in FAMILIAR + NOVEL}
FAMILIAR_NAMES = tuple(c.name for c in FAMILIAR)
NOVEL_NAMES = tuple(c.name for c in NOVEL)
TESTED_NOVEL_NAMES = tuple(c.name for c in NOVEL if c.tested)
ADDED_NAMES = tuple(c.name for c in ADDED)
KNOWN = CONCEPTS | {c.name: c for c in ADDED}  # every concept a world can hold: the inventory and the added ones


# Each test of protocol §6 -> (the group of its word, the group of its distractor picture): trials are generated
# from it (`training.trials`) and read by it (`results.beyond`).
TEST_GROUPS = {
    "ff": ("familiar", "familiar"),
    "nf": ("novel", "familiar"),
    "nn": ("novel", "novel"),
    "fn": ("familiar", "novel"),
}


def check_language(lang: str) -> str:
    if lang not in ALL_LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; known languages are {list(ALL_LANGUAGES)}")
    return lang


def get(name: str) -> Concept:
    try:
        return KNOWN[name]
    except KeyError:
        raise ValueError(f"unknown concept {name!r}; known concepts are {sorted(KNOWN)}") from None


def word_to_concept(lang: str) -> dict[str, str]:
    """Map each inventory word of `lang` (lower case) to its concept."""
    check_language(lang)
    return {c.words[lang].lower(): c.name for c in CONCEPTS.values() if lang in c.words}


def inventory_table():
    """The inventory as a tidy DataFrame (one row per concept), for the book."""
    import pandas as pd

    rows = [
        {
            "concept": c.name,
            "familiar": c.familiar,
            "tested": c.tested,
            **{l: c.words[l] for l in LANGUAGES},
            "pictograms": " ".join(c.pictograms),
        }
        for c in CONCEPTS.values()
    ]
    return pd.DataFrame(rows)


def added_table():
    """The vocabulary-size experiment's added concepts with their words and pictograms, for the book."""
    import pandas as pd

    return pd.DataFrame(
        [{"concept": c.name, **{l: c.words[l] for l in LANGUAGES}, "pictograms": " ".join(c.pictograms)} for c in ADDED]
    )


def further_words_table():
    """The inventory's words in the further languages of the language-pairs experiment, for the book."""
    import pandas as pd

    return pd.DataFrame([{"concept": c.name, "familiar": c.familiar, "en": c.words["en"],
                          **{l: c.words[l] for l in FURTHER_LANGUAGES}} for c in CONCEPTS.values()])  # fmt: skip


def substitutions_table():
    """The reference's concepts replaced here, with their replacements and why, for the book."""
    import pandas as pd

    return pd.DataFrame([{"reference": k, "here": v[0], "why": v[1]} for k, v in SUBSTITUTIONS.items()])
