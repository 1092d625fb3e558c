"""Forced alignment of new corpora: word times from a CTC model's emissions, written as TextGrids.

The reference re-aligned Dutch MLS with torchaudio's MMS aligner: transcripts lower-cased and romanised, the
emissions of a character-level CTC model aligned with `torchaudio.functional.forced_align`, and words whose
mean token score falls below 0.3 dropped. Here the CTC model is any wav2vec2-style `...ForCTC` checkpoint in a
local folder (the MMS_FA bundle's weights converted to it, or a fine-tuned wav2vec2), loaded with
transformers; its vocabulary maps characters to emission columns.

    align_corpus(root, "utterances.csv", model_dir)  # writes <utterance>.TextGrid beside each recording

`utterances.csv` columns: id, path (16 kHz WAV relative to root), transcript, plus what `corpus.import_aligned`
reads (speaker, lang, split); the aligned copy gets an `alignment` column naming each TextGrid.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

MIN_SCORE = 0.3  # the reference drops words whose mean token probability is below this


class AlignmentInputError(ValueError):
    """A transcript or recording that cannot be aligned; the message names it."""


def normalise_transcript(text: str) -> list[str]:
    """Words as the aligner reads them: lower case, accents removed (romanised), letters and apostrophes only."""
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return [w for w in re.sub(r"[^a-z' ]+", " ", plain).split() if w.strip("'")]


def word_tokens(words: list[str], vocab: dict[str, int]) -> list[list[int]]:
    """Each word as its characters' emission columns; a character outside the vocabulary is an error."""
    out = []
    for word in words:
        unknown = sorted({c for c in word if c not in vocab})
        if unknown:
            raise AlignmentInputError(f"word {word!r} holds character(s) {unknown} the model's vocabulary lacks")
        out.append([vocab[c] for c in word])
    return out


@dataclass(frozen=True)
class AlignedWord:
    word: str
    start: float  # seconds
    end: float
    score: float  # mean probability of the word's tokens on their frames


def align_words(emission: torch.Tensor, words: list[str], tokens: list[list[int]], blank: int,
                frame_seconds: float) -> list[AlignedWord]:  # fmt: skip
    """Align `words` (as `tokens`) to one utterance's (T, V) log-probabilities; times in seconds."""
    import torchaudio.functional as F

    flat = [t for word in tokens for t in word]
    if not flat:
        return []
    if len(flat) > emission.shape[0]:
        raise AlignmentInputError(f"{len(flat)} tokens cannot align to {emission.shape[0]} frames (audio too short)")
    with warnings.catch_warnings():  # torchaudio marks its aligner as moving elsewhere; the function is stable
        warnings.simplefilter("ignore")
        labels, scores = F.forced_align(emission[None].float(), torch.tensor([flat], dtype=torch.int32), blank=blank)
        spans = F.merge_tokens(labels[0], scores[0].exp(), blank=blank)
    out, first = [], 0
    for word, toks in zip(words, tokens):
        mine = spans[first : first + len(toks)]
        first += len(toks)
        score = float(np.mean([s.score for s in mine]))
        out.append(AlignedWord(word, mine[0].start * frame_seconds, mine[-1].end * frame_seconds, score))
    return out


class CTCAligner:
    """A local wav2vec2-style CTC checkpoint (model + tokenizer vocabulary) as an aligner."""

    def __init__(self, model_dir: str, device: str = "cpu"):
        from transformers import AutoModelForCTC, AutoTokenizer

        if not os.path.isdir(model_dir):
            raise FileNotFoundError(f"CTC model folder {model_dir} does not exist")
        self.model = AutoModelForCTC.from_pretrained(model_dir, local_files_only=True).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.vocab = {k.lower(): v for k, v in tokenizer.get_vocab().items() if len(k) == 1}
        delimiter = getattr(tokenizer, "word_delimiter_token", None)
        self.vocab.pop(delimiter or "|", None)
        self.blank = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.device = device
        ratio = int(np.prod(self.model.config.conv_stride))  # samples per emission frame
        self.frame_seconds = ratio / 16_000

    @torch.no_grad()
    def emission(self, wave: np.ndarray) -> torch.Tensor:
        x = torch.from_numpy(wave.astype(np.float32))[None].to(self.device)
        return self.model(x).logits[0].log_softmax(-1).cpu()

    def align(self, wave: np.ndarray, transcript: str) -> list[AlignedWord]:
        words = normalise_transcript(transcript)
        if not words:
            raise AlignmentInputError(f"empty transcript {transcript!r}")
        return align_words(self.emission(wave), words, word_tokens(words, self.vocab), self.blank, self.frame_seconds)


def align_corpus(root: str, utterances_csv: str, model_dir: str, min_score: float = MIN_SCORE,
                 out_csv: str = "utterances-aligned.csv", device: str = "cpu") -> pd.DataFrame:  # fmt: skip
    """Align every utterance, write `<recording>.TextGrid` beside each and `out_csv` (with an `alignment`
    column); words scoring below `min_score` are left out of the TextGrid and counted in a `dropped` column."""
    from vgslib.sources import corpus, media

    table = pd.read_csv(os.path.join(root, utterances_csv), dtype=str, keep_default_na=False)
    missing = [c for c in ("id", "path", "transcript") if c not in table.columns]
    if missing:
        raise AlignmentInputError(f"{utterances_csv}: missing column(s) {missing}")
    aligner = CTCAligner(model_dir, device)
    alignments, dropped = [], []
    for utt in table.itertuples():
        wav = os.path.join(root, utt.path)
        wave = media.load_segment(wav, 0.0, None)
        try:
            words = aligner.align(wave, utt.transcript)
        except AlignmentInputError as err:
            raise AlignmentInputError(f"utterance {utt.id} ({utt.path}): {err}") from None
        kept = [w for w in words if w.score >= min_score]
        grid = os.path.splitext(utt.path)[0] + ".TextGrid"
        corpus.write_textgrid(os.path.join(root, grid), [(w.start, w.end, w.word) for w in kept],
                              xmax=len(wave) / media.SAMPLE_RATE)  # fmt: skip
        alignments.append(grid)
        dropped.append(len(words) - len(kept))
    out = table.assign(alignment=alignments, dropped=dropped)
    out.to_csv(os.path.join(root, out_csv), index=False)
    print(f"aligned {len(out)} utterances; {sum(dropped)} word(s) below a mean score of {min_score} dropped")
    return out
