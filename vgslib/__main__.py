"""The command line, one subcommand per stage of the pipeline:

python -m vgslib prepare                  # miniature world -> frozen encoders -> features -> probe report
python -m vgslib notebook train -p ...    # one condition: the training notebook through papermill
python -m vgslib grid table1              # many conditions on dask.distributed
python -m vgslib book                     # render the book
python -m vgslib pipeline                 # the main job: prepare -> grid -> book (what `make book` runs)
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def prepare(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vgslib prepare",
        description="build the corpus, pre-train encoders, extract features, run the probe (everything cached)",
    )
    parser.add_argument("--config", default=None, help="JSON file with a DataConfig (unknown keys are errors)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    from vgslib.encoders.prepare import DataConfig, prepare, probe_report, write_report

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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"prepare": prepare}
    jobs = {"notebook": "notebooks", "grid": "grid", "book": "book", "pipeline": "pipeline"}
    if not argv or argv[0] not in commands.keys() | jobs.keys():
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    command, rest = argv[0], argv[1:]
    if command in commands:
        return commands[command](rest)
    if command == "book":
        from vgslib.report import book

        return book.main(rest)
    import importlib

    return importlib.import_module(f"vgslib.jobs.{jobs[command]}").main(rest)


if __name__ == "__main__":
    sys.exit(main())
