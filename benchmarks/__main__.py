"""`python -m benchmarks [--only SECTION] [--quick]`: run the sections, write the report."""

import argparse
import importlib
import platform
import time
from datetime import datetime, timezone
from pathlib import Path

from .report import Report

SECTIONS = ["office", "forms", "letters", "load"]
OUTPUT = Path(__file__).resolve().parents[1] / "artefacts" / "benchmark.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=SECTIONS, action="append", help="run only these sections")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the benchmark itself runs")
    args = parser.parse_args()
    report = Report()
    report.note(
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
        + (" (quick run: small sizes, figures not comparable with targets)" if args.quick else "")
    )
    for name in args.only or SECTIONS:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        module.run(report, args)
        report.note(f"_{name} took {time.perf_counter() - started:.0f} s_")
    report.write(OUTPUT)
    print(f"\nReport written to {OUTPUT}")


if __name__ == "__main__":
    main()
