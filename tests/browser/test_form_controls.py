"""Every tick box and every choice of the form, as a person uses it: save a section with
nothing ticked, come back, tick, save, and the page shows it ticked.

The sections and their controls are found on the pages, not listed here, so a question
added later is covered too. Declarations, which holds only boxes and a choice, is then
completed on the task list.
"""

import re
import subprocess
import sys
import uuid

from playwright.sync_api import expect

from .conftest import ROOT, sign_in

HUB = "Rutland Music"
PASSWORD = "a long and memorable passphrase 2026"


def new_applicant(server) -> str:
    """A verified applicant of an organisation of its own (other tests share the demo's); their email."""
    email = f"ticks-{uuid.uuid4().hex[:8]}@example.org"
    script = f"""
from workflow import create_app
from workflow.accounts.operations import register_applicant
from workflow.extensions import db
with create_app().app_context():
    register_applicant(name="Tess Ticker", email={email!r}, password={PASSWORD!r},
                       organisation_name="Ticking Boxes Ensemble (test)", verified=True)
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=server["env"], check=True, capture_output=True)
    return email


def _sections(page) -> list[str]:
    """The titles of the task list's sections, in order."""
    links = page.locator(".govuk-task-list a").all_inner_texts()
    return [re.sub(r"^\d+\.\s*", "", text).strip() for text in links]


def _open(page, task_list: str, title: str) -> bool:
    """Open a section from the task list; False when it is not a page of questions."""
    page.goto(task_list)
    with page.expect_navigation():
        page.locator(".govuk-task-list a", has_text=title).click()
    return page.get_by_role("button", name="Save and come back later").count() == 1


def _save_for_later(page) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Save and come back later").click()


def _tick_one_of_each(page) -> list[str]:
    """Tick every lone box and the first box or option of every group; the ids ticked."""
    controls = page.locator("main form input[type=checkbox], main form input[type=radio]")
    by_name: dict[str, list] = {}
    for control in controls.all():
        by_name.setdefault(control.get_attribute("name"), []).append(control)
    ticked = []
    for group in by_name.values():
        for control in group:
            assert control.get_attribute("value"), f"{control.get_attribute('id')} is drawn without a value"
        group[0].check()
        ticked.append(group[0].get_attribute("id"))
    return ticked


def test_every_box_and_choice_can_be_ticked_after_a_save_without_it(server, page):
    base = server["url"]
    sign_in(page, base, new_applicant(server), PASSWORD)
    page.goto(base + "/applications")
    page.get_by_role("radio", name=re.compile(HUB)).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Start an application").click()
    task_list = page.url

    walked = []
    for title in _sections(page):
        if not _open(page, task_list, title):
            continue
        page.locator("main form input[type=checkbox]:checked, main form input[type=radio]:checked").evaluate_all(
            "controls => controls.forEach(control => { control.checked = false; })"
        )
        _save_for_later(page)  # saved with nothing ticked
        _open(page, task_list, title)
        ticked = _tick_one_of_each(page)
        _save_for_later(page)
        _open(page, task_list, title)
        for control_id in ticked:
            expect(page.locator(f"[id='{control_id}']")).to_be_checked()
        walked.append((title, len(ticked)))

    assert {"Declarations", "Policies and documents"} <= {title for title, _ in walked}
    assert all(count for name, count in walked if name in {"Declarations", "Policies and documents"}), walked
    page.goto(task_list)
    declarations = page.locator(".govuk-task-list__item", has_text="Declarations")
    expect(declarations).to_contain_text("Completed")
