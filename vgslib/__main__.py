"""The command line, one subcommand per stage of the pipeline:

python -m vgslib prepare                  # miniature world -> frozen encoders -> features -> probe report
python -m vgslib notebook train -p ...    # one condition: the training notebook through papermill
python -m vgslib grid table1              # many conditions on dask.distributed
python -m vgslib book                     # render the book
python -m vgslib student-notebooks        # every page as a notebook without the exercises' solutions
python -m vgslib pipeline                 # the main job: prepare -> grid -> statistics -> book (`make book`)
python -m vgslib compare-lme4 results/laptop   # our estimates beside analysis/glmer.R's, for the appendix
python -m vgslib runs [folder]            # every run: condition, preset, seed, status, headline numbers
python -m vgslib check-corpus FOLDER      # validate a real corpus (files, rates, duplicates, counts) first
python -m vgslib import-reference REF OUT # the reference implementation's prepared data -> a corpus folder
python -m vgslib import-aligned FOLDER    # aligned utterances (TextGrid, CTM, .wrd) -> the folder's manifest
python -m vgslib align FOLDER MODEL_DIR   # forced alignment with a local CTC checkpoint -> TextGrids
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time


def prepare(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib prepare",
        description="build the corpus, pre-train encoders, extract features, run the probe (everything cached)",
    )
    parser.add_argument("--config", default=None, help="JSON file with a DataConfig (unknown keys are errors)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.add_argument(
        "--runs",
        nargs="?",
        const="",
        default=None,
        metavar="FOLDER",
        help="instead: prepare (read, where cached) the data config of every run in FOLDER (default: the runs "
        "folder), so the book's pages can read it; the data folder's own record is left as it is",
    )
    args = parser.parse_args(argv)
    from vgslib.encoders.prepare import DataConfig, prepare, probe_report, write_report

    if args.runs is not None:
        from vgslib import paths, runs

        folder = args.runs or paths.runs_root()
        configs = {}
        for name in sorted(os.listdir(folder)):
            config = os.path.join(folder, name, "config.json")
            if os.path.exists(config):
                data = DataConfig.from_dict(runs.read_json(config)["data"])
                configs.setdefault(data.digest(), data)
        for data in configs.values():
            prepare(data, progress=not args.quiet)
        print(f"{len(configs)} data config(s) of the runs in {folder} prepared and recorded")
        return 0
    cfg = DataConfig()
    if args.config:
        with open(args.config) as f:
            cfg = DataConfig.from_dict(json.load(f))
    start = time.time()
    study = prepare(cfg, progress=not args.quiet)
    folder = write_report(study, cfg)
    print(probe_report(study).to_string(index=False))
    print(f"prepared in {time.time() - start:.0f} s; report in {folder}")
    return 0


def compare_lme4(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib compare-lme4",
        description="run analysis/glmer.R on a results folder and write the appendix's comparison with lme4 into it "
        "(lme4-comparison.csv and .json; the analysis notebook does this itself where R and lme4 are installed)",
    )
    parser.add_argument("folder", help="a complete results folder (e.g. results/laptop)")
    args = parser.parse_args(argv)
    from vgslib import runs
    from vgslib.results.analysis import compare_lme4 as compare

    table = compare(args.folder, {"commit": runs.git_commit()["commit"]})
    if table is None:
        print("R with lme4 is not installed (Rscript, then install.packages('lme4')): nothing compared")
        return 1
    print(table.round(3).to_string(index=False))
    return 0


def list_runs(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib runs", description="list the runs: condition, preset, seed, status, headline numbers"
    )
    parser.add_argument("folder", nargs="?", default=None, help="a runs folder (default: runs/ or $VGSLIB_RUNS)")
    args = parser.parse_args(argv)
    from vgslib import runs

    try:
        table = runs.listing(args.folder)
    except FileNotFoundError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}") if len(table) else "no runs")
    return 0


def check_corpus(argv: list[str]) -> int:
    from vgslib.sources import check

    return check.main(argv)


def import_reference(argv: list[str]) -> int:
    from vgslib.sources import reference

    return reference.main(argv)


def import_aligned(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib import-aligned",
        description="build FOLDER's manifest (audio.csv, images.csv) from its aligned utterances",
    )
    parser.add_argument("folder", help="a corpus folder with utterances.csv (and images.csv)")
    parser.add_argument("--utterances", default="utterances.csv", help="the utterance table inside FOLDER")
    args = parser.parse_args(argv)
    from vgslib.sources import corpus, manifest

    m = corpus.import_aligned(args.folder, utterances_csv=args.utterances)
    manifest.save(m)
    print(f"{len(m.audio)} inventory words, {len(m.images)} pictures -> {args.folder}/audio.csv, images.csv")
    return 0


def align(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib align", description="forced-align FOLDER's utterances.csv (id, path, transcript)"
    )
    parser.add_argument("folder")
    parser.add_argument("model_dir", help="a local wav2vec2-style CTC checkpoint (model and tokenizer)")
    parser.add_argument("--utterances", default="utterances.csv")
    parser.add_argument("--min-score", type=float, default=0.3, help="drop words whose mean token score is lower")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    from vgslib.sources import align as aligner

    aligner.align_corpus(args.folder, args.utterances, args.model_dir, args.min_score, device=args.device)
    return 0


def main(argv: list[str] | None = None) -> int:
    from vgslib import paths

    paths.absolute_environment()  # `VGSLIB_RUNS=runs-x python -m vgslib ...`: notebooks run in another folder
    argv = sys.argv[1:] if argv is None else argv
    commands = {
        "prepare": prepare,
        "compare-lme4": compare_lme4,
        "runs": list_runs,
        "check-corpus": check_corpus,
        "import-reference": import_reference,
        "import-aligned": import_aligned,
        "align": align,
    }
    jobs = {"notebook": "notebooks", "grid": "grid", "book": "book", "student-notebooks": "", "pipeline": "pipeline"}
    if not argv or argv[0] not in commands.keys() | jobs.keys():
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command, rest = argv[0], argv[1:]
    if command in commands:
        return commands[command](rest)
    if command in ("book", "student-notebooks"):
        from vgslib.report import book

        return book.main(rest) if command == "book" else book.student_notebooks(rest)
    import importlib

    return importlib.import_module(f"vgslib.jobs.{jobs[command]}").main(rest)


if __name__ == "__main__":
    sys.exit(main())
