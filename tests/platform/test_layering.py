"""The layering of workflow/ holds: the contracts in .importlinter (docs/architecture.md, "Layers")."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_imports_keep_the_layers_and_make_no_cycle():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"lint-imports failed:\n{result.stdout}{result.stderr}"


def test_no_area_imports_another_inside_a_function():
    """An import inside a function hides a cycle from the contracts: only the app's wiring
    (`create_app`) imports late, to register every area."""
    package = ROOT / "workflow"
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(package.rglob("*.py"))
        if path != package / "__init__.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.startswith((" ", "\t")) and line.lstrip().startswith(("from ..", "import workflow"))
    ]
    assert not found, "Import at the top of the module:\n" + "\n".join(found)
