"""The project's benchmark: `scripts/benchmark` runs every section and writes a report.

Each section is a module here with `run(report: Report, args) -> None`; the figures
of one run sit side by side, so that ratios hold on a noisy machine.
"""
