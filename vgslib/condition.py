"""What a *condition* is, defined once: training languages, links, anchor repeats, model size, preset and seed,
and every name derived from them (the run directory's name, the label a table shows, the kind of model).

A run records its condition in `config.json` (`RunConfig` -> `recipe.condition_of`); everything downstream
(tables, statistics, charts, the grid) reads that record and never re-derives it from the config.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

LANGUAGE_JOIN = "+"  # "en+fr": the training languages of a condition as one string


@dataclass(frozen=True)
class Condition:
    languages: tuple[str, ...]  # training languages, e.g. ("en", "fr")
    links: bool = False  # bilingual groups carry a same-concept token of the other language
    anchor_repeats: int = 1  # every anchor this many times per epoch (2 = the "2x" control)
    size: str = "sm"  # model size
    preset: str = "laptop"  # the recipe the run started from
    preset_size: str = "sm"  # the preset's own model size: a run of another size is a size control
    seed: int = 0  # the run's seed
    name: str = ""  # a custom condition name (empty: derived)
    variant: str = ""  # the config's digest when its recipe departs from the preset's (empty: the preset's recipe)
    data: str = ""  # the data config's digest when it is not the default miniature world and encoders

    def __post_init__(self):
        object.__setattr__(self, "languages", tuple(self.languages))

    @property
    def train_langs(self) -> str:
        """ "en", "en+fr" """
        return LANGUAGE_JOIN.join(self.languages)

    @property
    def bilingual(self) -> bool:
        return len(self.languages) == 2

    @property
    def table1(self) -> bool:
        """A condition of the paper's Table 1: no links, each anchor once, the preset's model size, the preset's
        recipe unchanged."""
        return not self.links and self.anchor_repeats == 1 and self.size == self.preset_size and not self.variant

    @property
    def kind(self) -> str:
        """monolingual | monolingual 2x | bilingual | bilingual + links | trilingual (how the geometry chapter groups
        runs)."""
        if len(self.languages) > 2:
            return "trilingual"
        if self.bilingual:
            return "bilingual + links" if self.links else "bilingual"
        return f"monolingual {self.anchor_repeats}x" if self.anchor_repeats > 1 else "monolingual"

    @property
    def label(self) -> str:
        """What differs from the Table 1 recipe: "en", "en+fr links", "en 2x", "en lg"."""
        parts = [self.train_langs]
        if self.links:
            parts.append("links")
        if self.anchor_repeats > 1:
            parts.append(f"{self.anchor_repeats}x")
        if self.size != self.preset_size:
            parts.append(self.size)
        if self.variant:
            parts.append(f"custom {self.variant}")
        return " ".join(parts)

    @property
    def condition_name(self) -> str:
        """The condition in file names: the custom name, or "en+fr-links-2x-sm"."""
        if self.name:
            return self.name
        return (
            self.train_langs
            + ("-links" if self.links else "")
            + (f"-{self.anchor_repeats}x" if self.anchor_repeats > 1 else "")
            + f"-{self.size}"
            + (f"-custom{self.variant}" if self.variant else "")
        )

    @property
    def run_name(self) -> str:
        """The run directory's name: "en+fr-links-sm-laptop-seed3"; a run whose recipe departs from its preset's
        (other epochs, scale, precision, tested languages...) carries its digest ("en-sm-custom1a2b3c4d-laptop-seed0")
        and a run on other data (corpus, world, encoders) the data's ("en-sm-laptop-seed0-data5e6f7a8b")."""
        return f"{self.condition_name}-{self.preset}-seed{self.seed}" + (f"-data{self.data}" if self.data else "")

    @property
    def run_id(self) -> str:
        """A run in tables: "en+fr links seed3 laptop"."""
        return f"{self.label} seed{self.seed} {self.preset}"

    def columns(self) -> dict:
        """The columns that identify a run's condition in tidy tables."""
        return {
            "condition": self.condition_name,
            "condition_label": self.label,
            "run_id": self.run_id,
            "preset": self.preset,
            "train_langs": self.train_langs,
            "bilingual": self.bilingual,
            "links": self.links,
            "anchor_repeats": self.anchor_repeats,
            "size": self.size,
            "preset_size": self.preset_size,
            "seed": self.seed,
            "table1": self.table1,
            "variant": self.variant,
            "data": self.data,
            "kind": self.kind,
        }

    def to_dict(self) -> dict:
        return {**dataclasses.asdict(self), "languages": list(self.languages)}

    @classmethod
    def from_dict(cls, record: dict) -> Condition:
        return cls(**record)

    @classmethod
    def from_label(cls, train_langs: str, **fields) -> Condition:
        """A condition from its training languages as one string ("en+fr")."""
        return cls(languages=parse_languages(train_langs), **fields)


def parse_languages(text: str) -> tuple[str, ...]:
    """ "en+fr" -> ("en", "fr"): the one place that reads languages written as one string."""
    return tuple(part.strip() for part in text.split(LANGUAGE_JOIN) if part.strip())
