"""The forty-question benchmark runs: both sections opened and saved, drawn alike, their answers kept."""

from benchmarks.forms import measure_database
from benchmarks.report import Report


def test_the_forty_question_benchmark_compares_the_form_as_data_with_a_fixed_form():
    report = Report()
    rows = measure_database(report, "sqlite", rounds=2)  # asserts both pages draw the same fields and keep the answers
    assert [row[1] for row in rows] == ["section page (GET)", "save (POST)", "page and save"]
    for kind, label, fixed, data, ratio, fixed_cpu, data_cpu, cpu_ratio, statements, target, met in rows:
        assert kind == "sqlite" and 0 < fixed and 0 < data and 0 < fixed_cpu and 0 < data_cpu
        assert ratio == f"{data / fixed:.2f}×" and target == "1.1×" and met in {"yes", "NO"}
    page, save = ([int(n) for n in row[8].split(" / ")] for row in rows[:2])
    assert page[1] == page[0] + 1  # the page also reads the hub's form versions, to move a draft to the current one
    assert save[1] == save[0]  # the save reads nothing the fixed form's does not
    assert "target no slower than 1.1×: PASS" in report.parts[-1] or ": FAIL." in report.parts[-1]
