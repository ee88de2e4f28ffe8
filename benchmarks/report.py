"""A benchmark report: printed as it goes, and written as markdown at the end."""

import statistics
from dataclasses import dataclass, field
from pathlib import Path


def percentile(samples: list[float], fraction: float) -> float:
    """The value below which `fraction` of the samples fall (nearest rank)."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary_ms(samples_seconds: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    milliseconds = [s * 1000 for s in samples_seconds]
    return statistics.median(milliseconds), percentile(milliseconds, 0.95)


@dataclass
class Report:
    """Sections of tables and notes; each is printed when added."""

    title: str = "Consort benchmark"
    parts: list[str] = field(default_factory=list)

    def section(self, heading: str) -> None:
        self._add(f"\n## {heading}\n")

    def note(self, text: str) -> None:
        self._add(text + "\n")

    def table(self, headers: list[str], rows: list[list]) -> None:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
        self._add("\n".join(lines) + "\n")

    def _add(self, text: str) -> None:
        print(text, flush=True)
        self.parts.append(text)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# {self.title}\n" + "\n".join(self.parts), encoding="utf-8")


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)
