"""Run many conditions on dask.distributed: each run is the training notebook executed by papermill.

    python -m vgslib grid first-results            # EN, FR, NL, EN+FR, EN+NL, FR+NL; seed 0; no links
    python -m vgslib grid table1                   # the same six conditions x seeds 0-4
    python -m vgslib grid controls                 # + the links variants and the 2x controls, seeds 0-4 (`make book`)
    python -m vgslib grid experiments              # controls + the beyond-the-paper families (`vgslib.experiments`)
    python -m vgslib grid experiments --families vocabulary,injected   # controls + those families only
    python -m vgslib grid experiments --families languages --seeds 0,1  # two seeds first, the rest later
    python -m vgslib grid full                     # + links, 2x controls, sizes, the 3-d models, a paper run,
                                                   #   and the experiments
    python -m vgslib grid table1 --scheduler tcp://host:8786   # an existing cluster
    python -m vgslib grid table1 --preset paper --data-config corpora/reference/reference-data.json   # a corpus

By default a `LocalCluster` with one single-threaded worker process per core (no oversubscription). Where CUDA
GPUs are present, one run per GPU (`--runs-per-gpu 2` shares each GPU between two small runs), each worker
pinned to its GPU and given an equal share of the cores (`--threads-per-run`). For SLURM, start a cluster
with `dask_jobqueue.SLURMCluster(...)` (workers started with `--resources GPU=1` on GPU nodes), scale it,
and pass its scheduler address (`--gpu-resource` makes every run ask for one GPU).
A run whose directory is complete for the same config is skipped; a failed run is reported with the end
of its log and does not stop the others. Each worker runs its notebooks one after another on one kernel kept
warm between them (`jobs.warm`: ~10 s less per run), each notebook in an emptied namespace.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass

from tqdm import tqdm  # text bars: a notebook kernel here has no widgets (tqdm.auto would warn)

from vgslib import experiments, paths, runs
from vgslib.atomic import exclusive
from vgslib.jobs import warm
from vgslib.jobs.notebooks import run_to_terminal, train_run_dir
from vgslib.params import TrainParams
from vgslib.recipe import PRESETS, SEED_LIMIT, default_preset, merge

TABLE1 = ("en", "fr", "nl", "en+fr", "en+nl", "fr+nl")
GRIDS = ("first-results", "table1", "controls", "experiments", "full")  # each holds Table 1; full holds all


def conditions(grid: str, preset: str, seeds=None, families=experiments.EVERY) -> list[dict]:
    """The study's conditions, declared once as data (protocol §5, §7 and the full-study issue); `seeds`: the
    seeds of each (default: all five, and seed 0 for the first results); `families`: the experiments beyond the
    paper that the experiments and full grids hold."""
    base = [{"train_languages": langs} for langs in TABLE1]
    if grid == "first-results":
        return [{**c, "preset": preset, "seed": s} for c in base for s in (seeds or (0,))]
    seeds = seeds or range(5)
    out = [{**c, "preset": preset, "seed": s} for c in base for s in seeds]
    if grid == "table1":
        return out
    if grid not in GRIDS:
        raise ValueError(f"unknown grid {grid!r}; known grids are {', '.join(GRIDS)}")
    extra = [{"train_languages": b, "links": True} for b in ("en+fr", "en+nl", "fr+nl")]
    extra += [{"train_languages": m, "anchor_repeats": 2} for m in ("en", "fr", "nl")]
    out += [{**c, "preset": preset, "seed": s} for c in extra for s in seeds]
    if grid == "controls":  # what `make book` trains
        return out
    if grid == "experiments":
        return _unique(out + experiments.grid(preset, seeds, families))
    sizes = [{"train_languages": langs, "size": size} for langs in ("en", "fr", "en+fr") for size in ("sm", "md", "lg")]
    out += [{**c, "preset": preset, "seed": s} for c in sizes for s in seeds]
    out += [{"train_languages": langs, "size": "3d", "preset": preset, "seed": 0} for langs in ("en", "en+fr", "en+nl")]
    out.append({"train_languages": "en", "preset": "paper", "seed": 0})  # the paper recipe's FF check (model chapter)
    out += experiments.grid(preset, seeds, families)
    return _unique(out)


def _unique(conds: list[dict]) -> list[dict]:
    """Each run once: a size equal to the preset's is the Table 1 run, and families may share a setting (the
    encoders family's English log-mel runs are the features family's)."""
    unique, seen = [], set()
    for c in conds:
        key = train_run_dir(c)
        if key not in seen:
            seen.add(key)
            unique.append(c)
    return unique


def with_data(conds: list[dict], data_config: str | None) -> list[dict]:
    """The conditions trained on the data config in the JSON file `data_config` (None: the miniature world)."""
    if data_config is None:
        return conds
    if not os.path.isfile(data_config):
        raise FileNotFoundError(f"data config {data_config!r} does not exist")
    with open(data_config) as f:
        base = json.load(f)
    merged = lambda c: merge(base, json.loads(c.get("data_overrides") or "{}"))  # noqa: E731 -- a setting's own
    return [{**c, "data_overrides": json.dumps(merged(c), sort_keys=True)} for c in conds]


WIDTH_COST = {"xsm": 0.5, "sm": 1, "md": 2, "lg": 4, "3d": 1}  # a step's cost relative to width 128


def expected_cost(params: dict) -> float:
    """A run's relative cost: training steps grow with its languages and anchor repeats, step cost with width.
    An invalid run costs nothing (it fails at once and is reported)."""
    try:
        cfg = TrainParams(**TrainParams.validate(params)).to_config()
    except ValueError:
        return 0.0
    c = cfg.condition
    paper = 4.5 if c.preset == "paper" else 1  # 3x the epochs of laptop, in fp32
    width = WIDTH_COST[c.size] if params.get("size") else 1
    items = (1 + cfg.train.num_negatives) / 12  # a step embeds each group's anchor, positive and negatives
    vocabulary = len(cfg.train.familiar_names) / 13  # steps per epoch grow with the familiar concepts' tokens
    # Epochs against the preset's own schedule, tokens against the default world's (the ingredient families).
    epochs = cfg.train.epochs / PRESETS[c.preset].get("train", {}).get("epochs", cfg.train.epochs)
    tokens = cfg.data.world.train_tokens / 300 if cfg.data.corpus == "miniature" else 1
    return len(c.languages) * c.anchor_repeats * width * paper * items * vocabulary * epochs * tokens


def run_environment(threads: int = 1, gpu: int | None = None) -> dict:
    """The environment of one run: `threads` CPU threads, pinned to GPU `gpu` when one is given, and without the
    aggressive `MALLOC_TRIM_THRESHOLD_` that dask's nanny gives its workers. With it glibc hands every freed
    tensor buffer back to the OS and takes it back page by page on the next step: training steps ran 1.6x
    slower (measured)."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_TRIM_THRESHOLD_"}
    env |= {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    if gpu is not None:
        env["CUDA_VISIBLE_DEVICES"] = str(gpu)
    return env


@dataclass(frozen=True)
class Placement:
    """How a local grid uses the machine: `workers` processes, each running one run at a time with `threads`
    CPU threads, worker k on GPU `gpus[k]` (no GPUs: CPU runs)."""

    workers: int
    threads: int
    gpus: tuple[int, ...] = ()

    def gpu_of(self, worker: int) -> int | None:
        return self.gpus[worker % len(self.gpus)] if self.gpus else None


def placement(cpus: int, gpus: int, runs_per_gpu: int = 1, threads_per_run: int = 0) -> Placement:
    """One single-threaded run per core without GPUs; with GPUs, `runs_per_gpu` runs per GPU, each worker given
    its GPU and an equal share of the cores (or `threads_per_run`)."""
    if runs_per_gpu < 1:
        raise ValueError(f"runs per GPU must be at least 1, got {runs_per_gpu}")
    if threads_per_run < 0:
        raise ValueError(f"threads per run must be at least 1 (or 0: a fair share), got {threads_per_run}")
    if gpus == 0:
        return Placement(workers=max(1, cpus // max(1, threads_per_run)), threads=max(1, threads_per_run))
    workers = gpus * runs_per_gpu
    threads = threads_per_run or max(1, cpus // workers)
    return Placement(workers=workers, threads=threads, gpus=tuple(k // runs_per_gpu for k in range(workers)))


def local_plan(workers: int | None = None, runs_per_gpu: int = 1, threads_per_run: int = 0) -> Placement:
    """The placement of a local grid on this machine (`workers` overrides the count of CPU-only workers)."""
    if workers is not None and workers < 1:
        raise ValueError(f"a grid needs at least one worker, got {workers}")
    plan = placement(os.cpu_count() or 1, cuda_devices(), runs_per_gpu, threads_per_run)
    if workers and not plan.gpus:
        plan = Placement(workers=workers, threads=plan.threads)
    return plan


def cuda_devices() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _worker_slot(plan: Placement | None) -> tuple[int, int | None]:
    """(threads, GPU) of the dask worker this task runs on: its name is its index in a local cluster."""
    if plan is None:
        return 1, None
    try:
        from dask.distributed import get_worker

        index = int(get_worker().name)
    except (ValueError, TypeError):  # not on a worker, or a named worker of another cluster
        index = 0
    return plan.threads, plan.gpu_of(index)


def run_one(params: dict, runs_root: str | None = None, plan: Placement | None = None) -> dict:
    """Execute one condition on this process's warm kernel (single-threaded, or as `plan` places it); never
    raises: failures are returned."""
    if runs_root:
        os.environ["VGSLIB_RUNS"] = runs_root
    try:
        train = TrainParams(**TrainParams.validate(params))
        cfg = train.to_config()
        run_dir = train.run_dir(cfg)
    except (ValueError, FileNotFoundError) as err:  # invalid parameters: report, do not stop the grid
        return {"params": params, "dir": None, "code": 2, "status": "invalid", "log": str(err)}
    try:
        os.makedirs(run_dir, exist_ok=True)
        with exclusive(os.path.join(run_dir, "grid"), f"running {run_dir} for another grid"):
            return _run_locked(params, cfg, run_dir, plan)
    except OSError as err:  # the folder or its log cannot be made (read-only, a file in its place, a full disk)
        return {"params": params, "dir": run_dir, "code": 1, "status": "failed",
                "log": f"{run_dir} cannot be used: {type(err).__name__}: {err}"}  # fmt: skip


def _run_locked(params: dict, cfg, run_dir: str, plan: Placement | None) -> dict:
    """`run_one` once this process holds the run's grid lock: a second grid waits for the first, then finds the
    run complete instead of writing into the same log. The notebook runs on this process's warm kernel
    (`jobs.warm`), started single-threaded (or as `plan` places it); what it prints goes to the run's log."""
    if runs.is_complete(run_dir, cfg.identity(), cfg.digest()):  # complete for this config
        return {"params": params, "dir": run_dir, "code": 0, "status": "skipped (complete)", "log": ""}
    # As the command line gives them (`python -m vgslib notebook train -p NAME VALUE`): strings, checked there.
    values = {k: str(v) for k, v in {**params, "output_dir": os.path.abspath(run_dir), "progress": "false"}.items()}
    kernel = warm.kernel(run_environment(*_worker_slot(plan)))
    log = os.path.join(run_dir, "log.txt")
    start = time.time()
    with open(log, "w") as f, contextlib.redirect_stdout(f), contextlib.redirect_stderr(f):
        try:
            code = run_to_terminal("train", values, os.path.join(run_dir, "notebook.ipynb"), kernel.execute)
        except Exception as err:  # the kernel died, or the notebook could not be started: told, never raised
            print(f"error: the run's kernel failed: {type(err).__name__}: {err}")
            code = 1
    with open(log) as f:
        tail = "" if code == 0 else "".join(f.readlines()[-25:])
    return {
        "params": params,
        "dir": run_dir,
        "code": code,
        "status": "done" if code == 0 else "failed",
        "log": tail,
        "seconds": round(time.time() - start, 1),
    }


def run_grid(
    conds: list[dict],
    scheduler: str | None = None,
    workers: int | None = None,
    runs_per_gpu: int = 1,
    threads_per_run: int = 0,
    gpu_resource: bool = False,
) -> list[dict]:
    """Run every condition on a dask cluster (a local one, placed by `placement`, unless `scheduler` is given;
    `gpu_resource`: every run asks the cluster's workers for one `GPU` resource)."""
    from dask.distributed import Client, LocalCluster, as_completed

    start = time.time()
    plan = None
    if scheduler:
        client, cluster = Client(scheduler), None
    else:
        plan = local_plan(workers, runs_per_gpu, threads_per_run)
        cluster = LocalCluster(n_workers=plan.workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        if plan.gpus:
            print(f"{len(set(plan.gpus))} GPU(s): {plan.workers} runs at a time, {plan.threads} CPU thread(s) each")
    results = []
    try:
        # Longest runs first, so that no worker is left alone with a long run at the end.
        ordered = sorted(conds, key=expected_cost, reverse=True)
        extra = {"resources": {"GPU": 1}} if gpu_resource else {}
        futures = [client.submit(run_one, c, paths.runs_root(), plan, pure=False, **extra) for c in ordered]
        for future in tqdm(as_completed(futures), total=len(futures), desc="runs"):
            r = future.result()
            results.append(r)
            if r["code"] != 0:
                print(
                    f"\nFAILED {r['params']} (exit {r['code']}); log {r['dir']}/log.txt:\n{r['log']}", file=sys.stderr
                )
    finally:
        with contextlib.suppress(Exception):  # the workers' warm kernels go before the workers
            client.run(warm.shutdown)
        client.close()
        if cluster is not None:
            cluster.close()
    done = sum(r["code"] == 0 for r in results)
    print(f"{done}/{len(results)} runs complete in {time.time() - start:.0f} s")
    for r in results:  # the failures once more, together, where the end of the output shows them
        if r["code"] != 0:
            last = r["log"].strip().splitlines()[-1] if r["log"].strip() else ""
            print(f"  {r['status']}: {r['dir'] or r['params']}: {last}", file=sys.stderr)
    return results


def count(minimum: int):
    """An argparse type: a whole number of at least `minimum` (a negative worker count would hang the grid)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below {minimum}")
        return value

    return parse


def parse_seeds(text: str) -> list[int]:
    """ "0,1,2" -> [0, 1, 2]: whole numbers in the range seeds take, at least one (checked before any run)."""
    try:
        seeds = sorted({int(s) for s in text.split(",") if s.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"seeds are whole numbers separated by commas, not {text!r}") from None
    if not seeds:
        raise argparse.ArgumentTypeError("no seeds given")
    wrong = [s for s in seeds if not 0 <= s < SEED_LIMIT]
    if wrong:
        raise argparse.ArgumentTypeError(f"seeds must lie from 0 to {SEED_LIMIT - 1}, got {wrong}")
    return seeds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib grid", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("grid", choices=GRIDS)
    parser.add_argument("--preset", default=None, choices=sorted(PRESETS), help="default: paper on a GPU, else laptop")
    parser.add_argument("--scheduler", default=None, help="address of an existing dask scheduler")
    parser.add_argument("--workers", type=count(1), default=None, help="local workers (default: one per core)")
    parser.add_argument(
        "--runs-per-gpu", type=count(1), default=1, help="runs sharing one GPU (small models leave it idle)"
    )
    parser.add_argument(
        "--threads-per-run", type=count(0), default=0, help="CPU threads per run (default: a fair share)"
    )
    parser.add_argument("--gpu-resource", action="store_true", help="each run asks its cluster for one GPU resource")
    parser.add_argument("--data-config", default=None, help="a data config JSON (e.g. written by import-reference): "
                        "every run trains on that corpus and those encoders")  # fmt: skip
    parser.add_argument("--families", default=None, help="experiments and full grids: only these experiment "
                        f"families, comma-separated (default: all of {', '.join(experiments.FAMILY)})")  # fmt: skip
    parser.add_argument("--seeds", type=parse_seeds, default=None, help="the seeds to train, comma-separated "
                        "(default: all five; first-results: seed 0)")  # fmt: skip
    args = parser.parse_args(argv)
    families = experiments.select(args.families)
    conds = conditions(args.grid, args.preset or default_preset(), args.seeds, families)
    conds = with_data(conds, args.data_config)
    for c in conds:  # every condition is checked before a cluster starts
        train_run_dir(c)
    results = run_grid(conds, args.scheduler, args.workers, args.runs_per_gpu, args.threads_per_run, args.gpu_resource)
    return 0 if all(r["code"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
