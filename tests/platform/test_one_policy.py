"""Who may do what is written once: no permission function outside `workflow/policy.py`."""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "workflow"

PERMISSION_FUNCTION = re.compile(r"\bdef (_?require_\w+|_?can_\w+|_?may_\w+|_?check_\w+|_?allowed)\(|\b_require_\w+\(")

# Checks that are not about who may act: the sign-in's own steps (a second factor, a session,
# a password typed recently), whether a response may be cached, and the safety checks of what
# is uploaded or written (images, letter templates, dates, choices, a file's room).
NOT_PERMISSIONS = {
    "check_second_factor", "check_session", "require_recent_password", "_may_be_stored", "allowed",
    "check_room", "check_call",
    "_check_svg", "_check_reuse", "_check_element", "_check_css", "_check_css_value",
    "_check_printf", "_check_multiply", "_check_power", "_check_names", "_check_deadline",
}


def test_no_permission_function_outside_the_policy():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "policy.py" and path.parent == PACKAGE:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in PERMISSION_FUNCTION.finditer(line):
                name = (match.group(1) or match.group(0)).rstrip("(")
                if name not in NOT_PERMISSIONS:
                    found.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert not found, "Write who may do what in workflow/policy.py, and ask authorize() or can():\n" + "\n".join(found)
