"""Command line: `python -m vgslib prepare` builds the miniature world, encoders, features and probe report."""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vgslib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    prep = sub.add_parser("prepare", help="build the corpus, pre-train encoders, extract features, run the probe")
    prep.add_argument("--config", default=None, help="JSON file with a DataConfig (unknown keys are errors)")
    prep.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)

    if args.command == "prepare":
        from . import data

        cfg = data.DataConfig()
        if args.config:
            with open(args.config) as f:
                cfg = data.DataConfig.from_dict(json.load(f))
        start = time.time()
        study = data.prepare(cfg, progress=not args.quiet)
        folder = data.write_report(study, cfg)
        report = data.probe_report(study)
        print(report.to_string(index=False))
        print(f"prepared in {time.time() - start:.0f} s; report in {folder}")
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
