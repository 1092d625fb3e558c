"""The feature store: frozen-encoder token features per (modality, split), cached on disk.

A file's key hashes the encoder's config and the manifest rows it covers, so a changed encoder or manifest
never reuses stale features. Files are written to a temporary name and renamed, so an interrupted
extraction is never read as complete; every finished batch is kept beside it (`<file>.parts/`), so an
interrupted extraction resumes where it stopped instead of starting again. Two processes that need the same
missing file (two runs of a world that `prepare` did not extract) take turns: the second waits on a file lock,
then reads what the first wrote. Each split is one `.npz`: all token vectors stacked (float16) with per-item
offsets, loaded into memory in one call.

Bad data is named: an encoder output with NaN or infinite values stops the extraction naming the item, and a
cached file that cannot be read or holds non-finite values (`BadFeaturesError`, naming the file and the item)
is extracted again by `FeatureStore.get`, which says so.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import zipfile
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib.atomic import atomic_path, exclusive
from vgslib.config import stable_hash
from vgslib.sources.manifest import Manifest

log = logging.getLogger(__name__)  # recovery messages: shown also where warnings are filtered out


@dataclass
class Features:
    """Token features of the items of one split: item i owns `tokens[offsets[i]:offsets[i + 1]]`."""

    ids: np.ndarray  # (N,) item ids, in manifest order
    tokens: np.ndarray  # (sum of T_i, D) float32
    offsets: np.ndarray  # (N + 1,) int64

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return self.tokens.shape[1]

    def item(self, i: int) -> np.ndarray:
        return self.tokens[self.offsets[i] : self.offsets[i + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    def mean_pooled(self) -> np.ndarray:
        """(N, D) mean over each item's tokens."""
        sums = np.add.reduceat(self.tokens, self.offsets[:-1], axis=0)
        return sums / self.lengths()[:, None]

    def index(self) -> dict[str, int]:
        return {item_id: i for i, item_id in enumerate(self.ids)}


class BadFeaturesError(ValueError):
    """A feature file that cannot be read, or features with NaN or infinite values; the message names them."""


def first_non_finite(features: Features) -> str | None:
    """The id of the first item whose tokens hold NaN or inf (None if every value is finite)."""
    bad = ~np.isfinite(features.tokens).all(axis=1)
    if not bad.any():
        return None
    return str(features.ids[np.searchsorted(features.offsets, np.flatnonzero(bad)[0], side="right") - 1])


def rows_key(rows: pd.DataFrame) -> str:
    """Hash of the manifest rows an extraction covers (ids, paths and segment times)."""
    cols = [c for c in ("id", "path", "start", "end") if c in rows.columns]
    return stable_hash(rows[cols].astype(str).values.tolist(), 16)


class FeatureStore:
    """Folder of cached features; `get` extracts on a miss, `load` only reads."""

    def __init__(self, root: str):
        self.root = root
        os.makedirs(root, exist_ok=True)

    def path(self, encoder, rows: pd.DataFrame, name: str, source: str = "") -> str:
        return self.path_for(name, encoder.name, encoder.digest(), rows, source)

    def path_for(self, name: str, encoder_name: str, encoder_digest: str, rows: pd.DataFrame, source: str = "") -> str:
        """The file of `rows` under the encoder of that name and digest (no encoder needs to be loaded). `source`
        names where the rows' files come from (a world's digest, a corpus folder): two worlds whose items share
        ids and paths never share features."""
        key = stable_hash([source, rows_key(rows)], 16) if source else rows_key(rows)
        return os.path.join(self.root, f"{name}-{encoder_name}-{encoder_digest}-{key}.npz")

    def get(
        self,
        encoder,
        manifest: Manifest,
        rows: pd.DataFrame,
        name: str,
        batch_size: int = 64,
        progress: bool = True,
        source: str = "",
    ) -> Features:
        """Features of `rows` (audio or image manifest rows) under `encoder`, extracted once and cached."""
        path = self.path(encoder, rows, name, source)
        if os.path.exists(path):
            with contextlib.suppress(BadFeaturesError):  # a bad file is replaced below, under the lock
                return load(path)
        with exclusive(path, f"extracting the {name} features"):  # its message names the lock, i.e. the file
            cached = _cached(path)  # written by the process this one waited for
            if cached is not None:
                return cached
            return self._extract(encoder, manifest, rows, name, path, batch_size, progress)

    def _extract(self, encoder, manifest, rows, name, path, batch_size, progress) -> Features:
        import torch  # here: reading cached features (every book page) needs no torch

        parts = path + ".parts"  # one file per finished batch: an interrupted extraction resumes from them
        tokens, lengths = _resume(parts, rows)
        with (
            torch.inference_mode(),
            tqdm(
                total=len(rows), initial=len(lengths), desc=f"features {name}", disable=not progress, mininterval=2
            ) as bar,  # fmt: skip
        ):
            for first in range(len(lengths), len(rows), batch_size):
                batch = rows.iloc[first : first + batch_size]
                done = []
                for item_id, out in zip(batch["id"], encoder.encode_rows(manifest, batch)):
                    out = np.asarray(out, dtype=np.float16)
                    if not np.isfinite(out).all():
                        raise BadFeaturesError(
                            f"the {encoder.name} encoder gave NaN or infinite features for item {item_id!r} "
                            f"({name}); check its input file in the manifest"
                        )
                    done.append(out)
                _save_part(parts, first, batch["id"].to_numpy(dtype=str), done)
                tokens += done
                lengths += [len(t) for t in done]
                bar.update(len(batch))
        features = Features(
            ids=rows["id"].to_numpy(dtype=str),
            tokens=np.concatenate(tokens) if tokens else np.zeros((0, encoder.dim), np.float16),
            offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        )
        save(features, path)
        shutil.rmtree(parts, ignore_errors=True)
        return load(path)


def _cached(path: str) -> Features | None:
    """The features of `path` if it holds good ones (called under its lock); a file that cannot be read or holds
    non-finite values is removed, saying so (it is extracted again)."""
    if not os.path.exists(path):
        return None
    try:
        return load(path)
    except BadFeaturesError as err:
        log.warning("%s; extracting these features again", err)
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)
        return None


PART = re.compile(r"\d{9}\.npz")  # a finished batch; another process's half-written one has a longer name


def _save_part(folder: str, first: int, ids: np.ndarray, tokens: list[np.ndarray]) -> None:
    os.makedirs(folder, exist_ok=True)
    with atomic_path(os.path.join(folder, f"{first:09d}.npz")) as tmp:
        np.savez(tmp, ids=ids, tokens=np.concatenate(tokens), lengths=np.array([len(t) for t in tokens]))


def _resume(folder: str, rows: pd.DataFrame) -> tuple[list[np.ndarray], list[int]]:
    """The items an interrupted extraction of `rows` finished, in order (parts that do not continue the rows
    exactly, or cannot be read, end the resumption: what follows is extracted again)."""
    tokens, lengths = [], []
    if not os.path.isdir(folder):
        return tokens, lengths
    ids = rows["id"].to_numpy(dtype=str)
    for part in sorted(f for f in os.listdir(folder) if PART.fullmatch(f)):
        try:
            with np.load(os.path.join(folder, part), allow_pickle=False) as data:
                part_ids, flat, sizes = data["ids"], data["tokens"], data["lengths"]
        except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):
            break
        first = len(lengths)
        if int(part.split(".")[0]) != first or not np.array_equal(part_ids, ids[first : first + len(part_ids)]):
            break
        tokens += np.split(flat, np.cumsum(sizes)[:-1])
        lengths += sizes.tolist()
    if lengths:
        log.warning("resuming the extraction of %s after %d items", folder[:-6], len(lengths))
    return tokens, lengths


def save(features: Features, path: str) -> None:
    with atomic_path(path) as tmp:  # an interrupted write is never read as complete
        np.savez(tmp, ids=features.ids, tokens=features.tokens.astype(np.float16), offsets=features.offsets)


MEMMAP = "VGSLIB_FLAT_POOLS"  # =1: tokens memory-mapped in float16 (and the training pools kept unpadded)


def memmapped() -> bool:
    """Whether features are memory-mapped and pools kept flat ($VGSLIB_FLAT_POOLS=1)."""
    return os.environ.get(MEMMAP) == "1"


def memmap_member(path: str, name: str) -> np.ndarray:
    """A read-only memory map of the array `name` stored (uncompressed, as `np.savez` writes) in the .npz `path`."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(f"{name}.npy")
    if info.compress_type != zipfile.ZIP_STORED:
        raise BadFeaturesError(f"{path}: {name} is compressed and cannot be memory-mapped")
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        local = f.read(30)  # the zip local file header: name and extra-field lengths at bytes 26-29
        f.seek(
            info.header_offset + 30 + int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
        )
        major, _ = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read_header(f)
        # copy-on-write: read-only for the file, writable for torch.from_numpy (which nothing writes through)
        return np.memmap(path, dtype=dtype, mode="c", offset=f.tell(), shape=shape, order="F" if fortran else "C")


def load(path: str, memmap: bool | None = None) -> Features:
    """The features of `path`; `BadFeaturesError` naming the file (and item) if it is unreadable or not finite.
    `memmap` (default: $VGSLIB_FLAT_POOLS=1) leaves the tokens on disk in float16, read as they are used."""
    memmap = memmapped() if memmap is None else memmap
    try:
        with np.load(path, allow_pickle=False) as data:
            tokens = memmap_member(path, "tokens") if memmap else data["tokens"].astype(np.float32)
            features = Features(ids=data["ids"], tokens=tokens, offsets=data["offsets"])
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile) as err:
        raise BadFeaturesError(f"the feature file {path} cannot be read ({type(err).__name__}: {err})") from err
    item = first_non_finite(features)
    if item is not None:
        raise BadFeaturesError(f"the feature file {path} holds NaN or infinite values for item {item!r}")
    return features
