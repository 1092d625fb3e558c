"""vgslib: mutual exclusivity in monolingual and bilingual visually grounded speech models."""

__version__ = "0.1.0"
