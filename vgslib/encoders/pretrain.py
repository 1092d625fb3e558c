"""The miniature world's frozen encoders: small self-supervised networks, pre-trained once without labels.

Like WavLM and DINO in the reference, they never see the study's labels, nor any of its concepts:
- image: a small CNN trained with SimCLR (NT-Xent) on augmented views of pictograms that depict none of
  the 33 concepts; tokens are its final 4x4 feature map (16 tokens, each seeing a large region);
- audio: log-mel -> two strided 1-d convolutions -> a bidirectional GRU (25 tokens/s), trained to match two
  voices saying the same pseudo-word (random syllables read in 12 languages, training voices only).
Weights are cached by the hash of their pre-training config, so every run reuses them.
"""

from __future__ import annotations

import functools
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib import paths
from vgslib.atomic import atomic_path, write_json
from vgslib.config import Config
from vgslib.encoders.base import Encoder, EncoderConfig, image_tensor, resolve_device
from vgslib.encoders.settings import AudioPretrainConfig, ImagePretrainConfig
from vgslib.sources import concepts, pictures, speech
from vgslib.sources import media as audio_io
from vgslib.sources.parallel import batched, run_batches

TOKEN_DIM = 256
MINI_AUDIO_LAYERS = 2  # the mini audio encoder's layers a run can read: 0 the convolutions, 1 the BiGRU (the last)


# ----------------------------------------------------------------------------- models


class MiniImageNet(nn.Module):
    """64x64 RGB -> (B, 16, 256) tokens: a strided stem and four conv blocks down to a 4x4 map."""

    def __init__(self, dim: int = TOKEN_DIM):
        super().__init__()
        widths = [32, 64, 128, 256, dim]
        layers, c_in = [], 3
        for i, c_out in enumerate(widths):
            stride = 2 if i < 4 else 1  # 64 -> 32 -> 16 -> 8 -> 4, then one block at 4x4
            layers += [nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
            c_in = c_out
        self.body = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fmap = self.body(x)  # (B, D, 4, 4)
        return fmap.flatten(2).transpose(1, 2)  # (B, 16, D)


class MiniAudioNet(nn.Module):
    """16 kHz waveform -> (B, T/640, 256) tokens: log-mel (100 frames/s) -> 2 strided convs -> BiGRU."""

    def __init__(self, dim: int = TOKEN_DIM, num_mels: int = 64):
        super().__init__()
        import torchaudio

        self.mel = torchaudio.transforms.MelSpectrogram(
            audio_io.SAMPLE_RATE, n_fft=400, hop_length=160, n_mels=num_mels
        )
        self.register_buffer("mel_mean", torch.zeros(num_mels, 1))
        self.register_buffer("mel_std", torch.ones(num_mels, 1))
        self.conv = nn.Sequential(nn.Conv1d(num_mels, dim, 5, 2, 2), nn.GELU(), nn.Conv1d(dim, dim, 5, 2, 2), nn.GELU())
        self.gru = nn.GRU(dim, dim // 2, batch_first=True, bidirectional=True)

    def log_mel(self, wave: torch.Tensor) -> torch.Tensor:
        return torch.log(self.mel(wave) + 1e-6)  # (B, M, F)

    def forward(
        self, wave: torch.Tensor, num_samples: torch.Tensor, layer: int = -1, mean: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Tokens of layer `layer`: 0 the convolutions' output, 1 (= -1, the last) the BiGRU's; `mean`: the two
        layers' tokens averaged (both are `dim` wide, one token per 40 ms)."""
        feats = (self.log_mel(wave) - self.mel_mean) / self.mel_std  # (B, M, F)
        x = self.conv(feats).transpose(1, 2)  # (B, T, D), T = ceil(F / 4)
        lengths = torch.clamp((num_samples // 160 + 1 + 3) // 4, min=1, max=x.shape[1])
        if layer == 0 and not mean:
            return x, lengths
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        return ((x + out) / 2 if mean else out), lengths  # (B, T, D), (B,)


def pad_waves(waves: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(w) for w in waves])
    batch = torch.zeros(len(waves), int(lengths.max()))
    for i, w in enumerate(waves):
        batch[i, : len(w)] = torch.from_numpy(np.asarray(w, dtype=np.float32))
    return batch, lengths


def nt_xent(z1: torch.Tensor, z2: torch.Tensor, temperature: float) -> torch.Tensor:
    """SimCLR's loss: each view must pick its partner among the 2B - 1 other views."""
    z = F.normalize(torch.cat([z1, z2]), dim=-1)  # (2B, P)
    sim = z @ z.T / temperature
    sim.fill_diagonal_(float("-inf"))
    n = z1.shape[0]
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])
    return F.cross_entropy(sim, target)


def _head(dim: int) -> nn.Module:
    return nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, 128))


# ----------------------------------------------------------------------------- pre-training data


def pretraining_pictograms(num: int, seed: int) -> list[tuple[str, str]]:
    """(source, sequence) of pictograms that share no base code point with any inventory pictogram."""
    banned = {p.split("-")[0] for c in concepts.CONCEPTS.values() for p in c.pictograms}
    pool = []
    for source in pictures.SOURCES:
        for seq in pictures.available(source):
            parts = seq.split("-")
            if banned & set(parts):
                continue
            if any(p in {"1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF", "20E3"} for p in parts):
                continue  # skin-tone variants and keycaps: near-duplicates
            if "1F1E6" <= parts[0] <= "1F1FF" or parts[0] in {"1F3F4", "1F3F3"}:
                continue  # flags
            pool.append((source, seq))
    rng = np.random.default_rng(seed)
    keep = rng.choice(len(pool), size=min(num, len(pool)), replace=False)
    return [pool[i] for i in sorted(keep)]


def _render_views(args: tuple[int, int, int], items: list[tuple[str, str]]) -> list[np.ndarray]:
    seed, views, size = args
    out = []
    for source, seq in items:
        rng = np.random.default_rng([seed, speech._key(source + seq)])
        out.append(np.stack([np.asarray(pictures.render_augmented(source, seq, rng, size)) for _ in range(views)]))
    return out


def pseudowords(num: int, seed: int) -> list[tuple[str, str]]:
    """(language, pseudo-word) pairs: 2-3 random CV(C) syllables, none an inventory word."""
    rng = np.random.default_rng(seed)
    onsets, vowels, codas = (
        list("ptkbdgmnlrsfvz") + ["sh", "ch", "tr"],
        list("aeiou") + ["ou", "ei"],
        ["", "", "n", "s", "l"],
    )
    words = {w for lang in concepts.LANGUAGES for w in concepts.word_to_concept(lang)}
    out, seen = [], set()
    while len(out) < num:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(rng.integers(2, 4)))
        if word in words or word in seen:
            continue
        seen.add(word)
        out.append((speech.PRETRAIN_LANGUAGES[len(out) % len(speech.PRETRAIN_LANGUAGES)], word))
    return out


def _speak_pairs(seed: int, items: list[tuple[int, str, str]]) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    speakers = {lang: speech.make_speakers(lang, "train", 16, seed) for lang in speech.PRETRAIN_LANGUAGES}
    with speech.ESpeak() as engine:
        for index, lang, word in items:
            rng = np.random.default_rng([seed, index])
            a, b = rng.choice(len(speakers[lang]), size=2, replace=False)
            out.append(tuple(speech.speak(engine, word, speakers[lang][k], rng) for k in (a, b)))
    return out


# ----------------------------------------------------------------------------- training


def _optimiser(model: nn.Module, head: nn.Module, cfg) -> tuple:
    """Adam with a one-cycle schedule over `cfg.steps`, and the batch generator; puts the model in training mode."""
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=cfg.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=max(cfg.steps, 1), pct_start=0.1)
    model.train()
    return opt, sched, torch.Generator().manual_seed(cfg.seed)


def pretrain_image(cfg: ImagePretrainConfig, progress: bool = True, workers: int | None = None) -> MiniImageNet:
    items = pretraining_pictograms(cfg.num_pictograms, cfg.seed)
    views = run_batches(
        functools.partial(_render_views, (cfg.seed, cfg.views, cfg.size)),
        batched(items, 250),
        workers or min(os.cpu_count() or 1, 4),
        "pictogram views",
        progress,
    )
    data = torch.from_numpy(np.stack(views)).permute(0, 1, 4, 2, 3).float() / 255.0  # (N, V, 3, S, S)
    torch.manual_seed(cfg.seed)
    model, head = MiniImageNet(), _head(TOKEN_DIM)
    opt, sched, gen = _optimiser(model, head, cfg)
    for _ in tqdm(range(cfg.steps), desc="pre-train image encoder", disable=not progress, mininterval=2):
        idx = torch.randperm(len(data), generator=gen)[: cfg.batch]
        pair = torch.stack([torch.randperm(cfg.views, generator=gen)[:2] for _ in idx])  # two distinct views
        x1, x2 = data[idx, pair[:, 0]], data[idx, pair[:, 1]]  # (B, 3, S, S)
        flip = torch.rand(len(idx), generator=gen) < 0.5
        x2 = torch.where(flip[:, None, None, None], x2.flip(-1), x2)
        loss = nt_xent(head(model(x1).mean(1)), head(model(x2).mean(1)), cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


def pretrain_audio(cfg: AudioPretrainConfig, progress: bool = True, workers: int | None = None) -> MiniAudioNet:
    words = pseudowords(cfg.num_pseudowords, cfg.seed)
    items = [(i, lang, w) for i, (lang, w) in enumerate(words)]
    pairs = run_batches(
        functools.partial(_speak_pairs, cfg.seed),
        batched(items, 500),
        workers or min(os.cpu_count() or 1, 4),
        "pseudo-words",
        progress,
    )
    torch.manual_seed(cfg.seed)
    model, head = MiniAudioNet(), _head(TOKEN_DIM)
    with torch.no_grad():  # fixed input normalisation from the pre-training corpus
        sample, _ = pad_waves([p[0] for p in pairs[:512]])
        mel = model.log_mel(sample)
        model.mel_mean.copy_(mel.mean(dim=(0, 2))[:, None])
        model.mel_std.copy_(mel.std(dim=(0, 2))[:, None])
    opt, sched, gen = _optimiser(model, head, cfg)
    for _ in tqdm(range(cfg.steps), desc="pre-train audio encoder", disable=not progress, mininterval=2):
        idx = torch.randperm(len(pairs), generator=gen)[: cfg.batch].tolist()
        embs = []
        for side in (0, 1):
            wave, n = pad_waves([pairs[i][side] for i in idx])
            tokens, lengths = model(wave, n)
            mask = torch.arange(tokens.shape[1])[None, :] < lengths[:, None]  # (B, T)
            embs.append(head((tokens * mask[..., None]).sum(1) / lengths[:, None]))
        loss = nt_xent(*embs, cfg.temperature)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


# ----------------------------------------------------------------------------- frozen encoders


class MiniImageEncoder(Encoder):
    modality, dim, name = "image", TOKEN_DIM, "mini-image"

    def __init__(self, model: MiniImageNet, digest: str, size: int, device: torch.device):
        self.model, self._digest, self.size, self.device = model.to(device).eval(), digest, size, device

    def digest(self) -> str:
        return self._digest

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        x = torch.stack([image_tensor(im, self.size) for im in items]).to(self.device)  # (B, 3, S, S)
        return list(self.model(x).cpu().numpy())  # B x (16, D)


class MiniAudioEncoder(Encoder):
    modality, dim, name = "audio", TOKEN_DIM, "mini-audio"

    def __init__(self, model: MiniAudioNet, digest: str, device: torch.device, layer: int = -1, mix: str = ""):
        self.model, self.device, self.layer, self.mix = model.to(device).eval(), device, layer, mix
        # The last layer keeps the digest its features were stored under before layers could be chosen.
        if mix:
            self._digest = f"{digest}-layers{mix}"
        else:
            self._digest = digest if layer in (-1, MINI_AUDIO_LAYERS - 1) else f"{digest}-layer{layer}"

    def digest(self) -> str:
        return self._digest

    @torch.inference_mode()
    def encode_batch(self, items: list) -> list[np.ndarray]:
        # Each word on its own, like WavLM in the reference: padding would change the log-mel frames and the
        # convolutions at a short word's end.
        out = []
        for wave in items:
            wave, n = pad_waves([wave])
            tokens, lengths = self.model(wave.to(self.device), n.to(self.device), self.layer, self.mix == "mean")
            out.append(tokens[0, : lengths[0]].cpu().numpy())
        return out


ENCODING_VERSION = 2  # bump when frozen encoding changes (e.g. words now encoded one by one): invalidates features


def load_or_pretrain(
    enc_cfg: EncoderConfig,
    pretrain_cfg: Config | None = None,
    cache_dir: str | None = None,
    progress: bool = True,
) -> Encoder:
    """The frozen mini encoder `enc_cfg` names (on its device), pre-trained on first use and cached by the hash
    of its pre-training config."""
    kind = enc_cfg.kind
    if kind not in ("mini-audio", "mini-image"):
        raise ValueError(f"{kind!r} is not a mini encoder (mini-audio or mini-image)")
    cache_dir = cache_dir or paths.encoders_dir()
    cfg = pretrain_cfg or (ImagePretrainConfig() if kind == "mini-image" else AudioPretrainConfig())
    digest = cfg.digest()
    path = os.path.join(cache_dir, f"{kind}-{digest}.pt")
    model = MiniImageNet() if kind == "mini-image" else MiniAudioNet()
    if not os.path.exists(path):
        start = time.time()
        model = pretrain_image(cfg, progress) if kind == "mini-image" else pretrain_audio(cfg, progress)
        with atomic_path(path) as tmp:
            torch.save(model.state_dict(), tmp)
        seconds = round(time.time() - start, 1)
        write_json(
            os.path.join(cache_dir, f"{kind}-{digest}.json"),
            {"kind": kind, "config": cfg.to_dict(), "seconds": seconds},
        )
    model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    device = resolve_device(enc_cfg.device)
    if kind == "mini-image":
        return MiniImageEncoder(model, digest, cfg.size, device)
    return MiniAudioEncoder(model, f"{digest}-v{ENCODING_VERSION}", device, enc_cfg.layer, enc_cfg.layer_mix)
