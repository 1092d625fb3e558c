"""The first page (`book/intro.md`): the study's three questions with the paper's answer and the miniature's,
gathered from the claims the result chapters compute."""

from __future__ import annotations

import pandas as pd

PAPER_URL = "https://arxiv.org/abs/2506.04037"


def at_a_glance(me_claims: pd.DataFrame, bilingual_claims: pd.DataFrame, why_answer: str) -> pd.DataFrame:
    """The study's three questions with the paper's answer and ours, from the chapters' claims tables and the
    "why" chapter's computed answer, and where each is argued."""
    ours = me_claims.columns[-1]
    chance = me_claims[me_claims.claim.str.startswith("Monolingual models show")].iloc[0]
    trained = me_claims[me_claims.claim.str.startswith("Training produces")]
    answer = chance[ours] + " (against 50 %)"
    if len(trained):
        answer = trained[ours].iloc[0] + "; " + answer
    rows = [
        ("1. Does a VGS model trained on 13 familiar concepts show an ME bias?", chance.paper, answer, "me"),
        ("2. Is the bias weaker in bilingual models?",
         bilingual_claims.paper.iloc[0], bilingual_claims[ours].iloc[0], "bilingual"),
        ("3. What in the embedding space explains it?",
         "bilinguals pack familiar pictures more tightly, so novel items fall closer to familiar ones",
         why_answer.replace("**", ""), "geometry"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["question", "the paper", ours, "chapter"])
