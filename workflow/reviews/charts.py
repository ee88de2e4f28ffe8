"""Bar charts drawn on the server: the geometry of an accessible SVG, no script."""

from dataclasses import dataclass

from ..words import counted

WIDTH = 640
LABEL_WIDTH = 230
VALUE_SPACE = 70
BAR_HEIGHT = 22
GAP = 8
MAX_LABEL = 30


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    shown: str
    y: int
    width: int


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart: an id for its title and description, and one bar per row."""

    id: str
    title: str
    description: str
    bars: list[Bar]
    width: int
    height: int
    bar_x: int
    bar_height: int

    def value_x(self, bar: Bar) -> int:
        return self.bar_x + bar.width + 6


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, int | float]], unit: str = "") -> BarChart:
    """A chart of (label, value) rows, scaled to the largest value, described in words."""
    largest = max((value for _, value in rows), default=0) or 1
    span = WIDTH - LABEL_WIDTH - VALUE_SPACE
    bars = [
        Bar(
            label=_short(label),
            value=value,
            shown=f"{value:,}{unit}",
            y=GAP + n * (BAR_HEIGHT + GAP),
            width=max(1, round(span * value / largest)) if value else 0,
        )
        for n, (label, value) in enumerate(rows)
    ]
    if rows:
        top = max(rows, key=lambda row: row[1])
        description = (
            f"A bar chart of {counted(len(rows), 'bar')}. The largest is {top[0]} with {top[1]:,}{unit}. "
            "The table beside the chart gives every figure."
        )
    else:
        description = "There is nothing to chart yet."
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        width=WIDTH,
        height=GAP + len(rows) * (BAR_HEIGHT + GAP),
        bar_x=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )
