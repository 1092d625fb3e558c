"""Map a function over batches of work in worker processes, with a progress bar over items."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor, as_completed

from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib.processes import die_with_parent


def run_batches(fn, batches: list[list], workers: int, desc: str, progress: bool = True) -> list:
    """`fn(batch) -> list` over every batch, results flattened in batch order (not completion order)."""
    with tqdm(total=sum(map(len, batches)), desc=desc, disable=not progress, mininterval=2) as bar:
        if workers <= 1 or len(batches) <= 1:
            results = []
            for batch in batches:
                results.append(fn(batch))
                bar.update(len(batch))
        else:
            # A killed parent takes its workers with it (else they build on as orphans, holding the CPUs).
            with ProcessPoolExecutor(workers, initializer=die_with_parent) as pool:
                futures = [pool.submit(fn, batch) for batch in batches]
                for future in as_completed(futures):
                    bar.update(len(future.result()))
                results = [f.result() for f in futures]
    return [row for rows in results for row in rows]


def batched(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]
