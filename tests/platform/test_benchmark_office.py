"""The office benchmark runs: a small SQLite database, every page measured with its SQL count."""

from benchmarks.office import measure_database
from benchmarks.report import Report


def test_the_office_benchmark_measures_every_page(tmp_path):
    report = Report()
    rows = measure_database(report, "sqlite", 300, requests=3)
    assert [row[0] for row in rows] == [
        "queue, first page", "queue, last page", "queue, filtered", "queue, searched",
        "dashboard, figures kept by the tick", "dashboard, counted afresh", "application page",
    ]
    for name, median, p95, statements, target, met in rows:
        assert 0 < median <= p95
        assert 0 < statements <= 30
        assert met in {"yes", "NO"}
    text = "\n".join(report.parts)
    assert "seeded 300 applications" in text and "| queue, last page |" in text
    assert "recount of the dashboard's figures" in text
    kept, afresh = rows[4][3], rows[5][3]
    assert kept < afresh  # the kept figures are one read, not a count of every table
