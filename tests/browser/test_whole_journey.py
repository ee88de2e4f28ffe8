"""Every role in a real browser, from the application to the decision letter.

A new applicant applies; the demo officer takes the application, asks for more on one
section and, once answered, recommends approval and puts it to the trustees; one trustee
declares a conflict, one approves from a phone, one abstains and the chair approves, which
closes the vote; the officer issues the letter with conditions; the applicant downloads it.
Each person has a browser context of their own, and axe checks every page visited.
"""

import io
import json
import re
import uuid
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from .conftest import SCREENSHOTS, check_page, emailed_link, real_pdf, sign_in

PASSWORD = "a long and memorable passphrase 2026"
HUB = "Northamptonshire Music Education Hub"
ORGANISATION = "Wellingborough Brass Collective (test)"
CONDITIONS = "Send the trust office your termly plans before each term begins."


REFLOW: dict[str, int] = {}  # page: its scroll width at 320 CSS pixels
WALK: dict[str, list] = {}  # keyboard walks: page: focus stops in order


class Person:
    """One person with a browser context of their own; `check` screenshots and runs axe."""

    counter = 0

    def __init__(self, browser, base: str, role: str, *, phone: bool = False):
        if phone:
            self.context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        else:
            self.context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-GB")
        self.page = self.context.new_page()
        self.base, self.role = base, role
        self.errors: list[str] = []
        self.page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)

    def check(self, what: str) -> None:
        Person.counter += 1
        check_page(self.page, f"whole-{Person.counter:02d}-{self.role}-{what}")

    def reflow(self, what: str) -> None:
        """At 320 CSS pixels (1280 at 400% zoom) the page must not scroll sideways."""
        size = self.page.viewport_size
        self.page.set_viewport_size({"width": 320, "height": 640})
        check_page(self.page, f"reflow-320-{self.role}-{what}")
        REFLOW[what] = self.page.evaluate("document.documentElement.scrollWidth")
        self.page.set_viewport_size(size)

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    def sign_in(self, email: str) -> None:
        """Through the two-factor step; the page it lands on is checked where it is next visited."""
        sign_in(self.page, self.base, email)


# --- The applicant -------------------------------------------------------------------


def register(applicant: Person, instance: Path) -> None:
    page = applicant.page
    applicant.email = f"brass-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(applicant.base + "/hubs/northamptonshire")
    applicant.check("hub")
    page.goto(applicant.base + "/register")
    page.get_by_label("Your full name").fill("Winifred Brass")
    page.get_by_label("Email address").fill(applicant.email)
    page.get_by_label("Name of your organisation").fill(ORGANISATION)
    page.get_by_label("Create a password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password", exact=True).fill(PASSWORD)
    applicant.button("Create account").click()
    applicant.check("registered")
    page.goto(emailed_link(instance, applicant.email, re.escape(applicant.base) + r"/verify-email/\S+"))
    applicant.check("verify-email")
    page.locator("main form").get_by_role("button").first.click()
    applicant.check("verified")
    page.get_by_label("Email address").fill(applicant.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        applicant.button("Sign in").click()


def fill_profile(applicant: Person) -> None:
    page = applicant.page
    page.get_by_role("link", name="Organisation profile").click()
    applicant.check("profile")
    page.get_by_role("radio", name="Registered charity", exact=True).check()
    page.get_by_label("Registered charity number").fill("1123457")
    page.get_by_label("Address", exact=True).fill("The Corn Exchange\nMarket Square")
    page.get_by_label("Town or city").fill("Wellingborough")
    page.get_by_label("Postcode").fill("NN8 1AA")
    page.get_by_label("Full name").fill("Winifred Brass")
    page.get_by_label("Role in the organisation").fill("Musical director")
    page.get_by_label("Email address").fill(applicant.email)
    page.get_by_label("Phone number").fill("01933 960 002")
    page.get_by_label("Safeguarding lead").fill("Sam Safe")
    applicant.button("Save profile").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    applicant.check("profile-saved")


def open_section(applicant: Person, title: str) -> None:
    page = applicant.page
    page.goto(applicant.task_list)
    page.get_by_role("link", name=re.compile(rf"^\d\. {re.escape(title)}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    applicant.check(f"section-{title[:16].lower().replace(' ', '-')}")


def save(applicant: Person) -> None:
    applicant.button("Save and continue").click()
    expect(applicant.page.locator(".govuk-error-summary")).to_have_count(0)


def apply(applicant: Person, pdf: Path) -> str:
    """Start an application, fill every section (meeting the error summary once) and submit."""
    page = applicant.page
    page.goto(applicant.base + "/applications")
    applicant.check("home")
    page.get_by_role("radio", name=re.compile(HUB)).check()
    applicant.button("Start an application").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(HUB)
    applicant.task_list = page.url
    applicant.check("task-list")
    applicant.reflow("task-list")

    open_section(applicant, "What you offer")
    applicant.button("Save and continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Describe what your organisation offers")
    expect(summary).to_be_focused()  # read out first, and the title says so too
    assert page.title().startswith("Error: ")
    applicant.check("section-errors")
    applicant.reflow("section-errors")
    summary.get_by_role("link", name="Describe what your organisation offers").click()
    expect(page.get_by_label("Describe what your organisation offers")).to_be_focused()
    page.get_by_label("Describe what your organisation offers").fill("Brass bands for beginners, with instruments lent free.")
    page.get_by_role("checkbox", name="5 to 18").check()
    page.get_by_role("checkbox", name="Jazz").check()
    page.get_by_role("checkbox", name="Community venues").check()
    page.get_by_role("group", name="Which districts do you serve?").get_by_role("checkbox").first.check()
    save(applicant)

    open_section(applicant, "Hub goals")
    page.get_by_role("group", name=re.compile("goals does your organisation support")).get_by_role("checkbox").first.check()
    page.get_by_label("How does your work support these goals?").fill("Every band plays in schools each term.")
    save(applicant)

    open_section(applicant, "National Plan roles")
    page.get_by_role("checkbox", name="Ensembles and chances to perform").check()
    page.get_by_role("radio", name="Yes").check()
    save(applicant)

    open_section(applicant, "How you complement existing partners")
    page.get_by_label("How does your offer complement").fill("No other partner lends brass instruments.")
    save(applicant)

    open_section(applicant, "In-kind contribution")
    page.get_by_role("checkbox", name="Tutor or practitioner time").check()
    page.get_by_label("Describe your contribution").fill("A tutor for one evening a week.")
    save(applicant)

    open_section(applicant, "Policies and documents")
    page.get_by_label("Safeguarding policy").set_input_files(str(pdf))
    page.get_by_label("Public liability insurance certificate").set_input_files(str(pdf))
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2099")
    page.get_by_role("checkbox", name=re.compile("enhanced DBS check")).check()
    save(applicant)

    open_section(applicant, "Declarations")
    page.get_by_role("checkbox", name=re.compile("information in this application is true")).check()
    page.get_by_role("checkbox", name=re.compile("We agree to the partner commitments")).check()
    page.get_by_role("radio", name="Yes").check()
    save(applicant)

    page.goto(applicant.task_list)
    applicant.check("all-complete")
    applicant.button("Check your answers").click()
    expect(page.locator("main")).to_contain_text("safeguarding-policy.pdf")
    applicant.check("check-answers")
    page.get_by_role("button", name=re.compile("submit", re.IGNORECASE)).click()
    expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
    applicant.check("submitted")
    return page.locator(".govuk-panel strong").inner_text()


def respond(applicant: Person) -> None:
    page = applicant.page
    page.goto(applicant.base + "/applications")
    expect(page.locator("main")).to_contain_text("The trust office has asked for more information")
    applicant.check("home-request")
    page.get_by_role("link", name="Update your answers and respond").first.click()
    expect(page.locator("main")).to_contain_text("Name the schools you already work with.")
    applicant.check("respond")
    page.get_by_role("link", name=re.compile("How you complement existing partners")).first.click()
    applicant.check("reopened-section")
    stops = tab_to(page, lambda stop: stop["text"] == "Save and continue")
    assert stops[0]["text"] == "Skip to main content"
    assert all(stop["visible"] for stop in stops), [stop for stop in stops if not stop["visible"]]
    WALK["section"] = stops
    WALK["section-aria"] = page.locator("main").aria_snapshot()
    page.get_by_label("How does your offer complement").fill("We lend brass to six schools in Wellingborough.")
    applicant.button("Save and continue").click()
    applicant.check("respond-after-update")
    page.get_by_label("Your response to the trust office").fill("We have named the schools.")
    page.get_by_role("button", name=re.compile("Send")).click()
    expect(page.locator("main")).to_contain_text("Your response has been sent")
    applicant.check("responded")


def download_letter(applicant: Person, reference: str) -> None:
    page = applicant.page
    page.goto(applicant.base + "/applications")
    applicant.check("home-decided")
    page.get_by_role("link", name="View the application and messages").first.click()
    applicant.check("decided")
    applicant.reflow("decided")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download your decision letter (PDF)").click()
    data = Path(info.value.path()).read_bytes()
    (SCREENSHOTS / "whole-letter.pdf").write_bytes(data)
    assert data.startswith(b"%PDF-")
    text = " ".join(pdf_page.extract_text() for pdf_page in PdfReader(io.BytesIO(data)).pages)
    assert ORGANISATION in text
    assert reference in text
    assert "approved" in text
    assert CONDITIONS in " ".join(text.split())


# --- The trust office ----------------------------------------------------------------


def take_and_request(officer: Person, reference: str) -> None:
    page = officer.page
    page.goto(officer.base + "/office")
    officer.check("queue")
    officer.reflow("office-queue")
    page.get_by_role("link", name=reference, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    officer.application = page.url
    officer.check("application")
    officer.reflow("office-application")
    officer.button("Take this application").click()
    officer.check("taken")
    page.get_by_role("button", name="Request information").click()
    officer.check("request-information")
    page.get_by_role("checkbox", name="How you complement existing partners").check()
    page.get_by_label("Message to the applicant").fill("Name the schools you already work with.")
    officer.button("Send request").click()
    officer.check("requested")


def recommend(officer: Person) -> None:
    page = officer.page
    page.goto(officer.application)
    officer.check("answered")
    page.get_by_role("link", name="What changed in revision 2").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What changed in revision 2 since revision 1")
    expect(page.locator("ins.app-diff--added").first).to_contain_text("We lend")
    officer.check("revision-changes")
    officer.reflow("revision-changes")
    page.get_by_role("link", name="See the answers of revision 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revision 1 of the answers")
    officer.check("revision")
    officer.reflow("revision")
    page.goto(officer.application)
    form = page.locator("form", has=page.get_by_role("button", name="Save assessment"))
    for group in form.get_by_role("group").all():
        if group.get_by_role("radio", name="Met", exact=True).count():
            group.get_by_role("radio", name="Met", exact=True).check()
    form.get_by_role("group", name="Recommendation to the trustees").get_by_role("radio", name="Approve").check()
    form.get_by_label("Reasons for the recommendation").fill("Fills a gap in brass teaching; policies in order.")
    officer.button("Save assessment").click()
    expect(page.locator("main")).to_contain_text("Fills a gap in brass teaching")
    officer.check("assessed")
    page.get_by_role("button", name="Put to the trustees").click()
    officer.check("put-to-trustees")
    expect(page.get_by_label("Year")).not_to_have_value("")  # a deadline two weeks ahead, proposed
    officer.button("Put to the trustees").click()
    expect(page.locator("main")).to_contain_text("Open")
    officer.check("voting")


def issue_letter(officer: Person) -> None:
    page = officer.page
    page.goto(officer.application)
    expect(page.locator("main")).to_contain_text("Approved")
    officer.check("approved")
    page.goto(officer.application + "/letter")
    officer.check("letter")
    officer.reflow("letter")
    page.get_by_label("Conditions or feedback").fill(CONDITIONS)
    officer.button("Save conditions or feedback").click()
    officer.check("letter-conditions")
    page.get_by_role("checkbox", name=re.compile("I have checked the preview")).check()
    officer.button("Issue the letter").click()
    expect(page.locator("main")).to_contain_text("Issued")
    officer.check("letter-issued")


# --- The trustees --------------------------------------------------------------------


def open_vote(trustee: Person) -> None:
    page = trustee.page
    page.goto(trustee.base + "/trustees")
    trustee.check("votes")
    page.get_by_role("link", name=ORGANISATION).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ORGANISATION)
    trustee.check("vote")


def cast(trustee: Person, choice: str, *, reflow: bool = False) -> None:
    open_vote(trustee)
    if reflow:
        trustee.reflow("vote")
    trustee.page.get_by_role("group", name="How do you vote?").get_by_role("radio", name=choice).check()
    trustee.button("Record my vote").click()
    expect(trustee.page.locator("main")).to_contain_text(f"You voted {choice.lower()}")
    trustee.check("voted")


FOCUSED = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    const label = el.labels && el.labels.length ? el.labels[0].innerText : (el.getAttribute('aria-label') || el.innerText || el.value || '');
    return {tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '', text: label.trim().slice(0, 60),
            visible: style.outlineStyle !== 'none' || style.boxShadow !== 'none' || style.backgroundColor === 'rgb(255, 221, 0)'};
}"""


def tab_to(page, predicate, limit: int = 80) -> list[dict]:
    """Press Tab until `predicate(focused)` holds; every stop, in order, with whether focus shows."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(FOCUSED))
        if predicate(stops[-1]):
            return stops
    raise AssertionError(f"never reached the control: {stops}")


def cast_by_keyboard(trustee: Person, choice: str) -> list[dict]:
    """Vote with the keyboard only: Tab to the choices, arrows to choose, Enter on the button."""
    open_vote(trustee)
    page = trustee.page
    stops = tab_to(page, lambda stop: stop["name"] == "choice")
    assert stops[0]["text"] == "Skip to main content"
    while page.evaluate(FOCUSED)["text"] != choice:
        page.keyboard.press("ArrowDown")
    trustee.check("keyboard-choice")
    WALK["vote-aria"] = page.locator("form", has=page.get_by_role("button", name="Record my vote")).aria_snapshot()
    stops += tab_to(page, lambda stop: stop["text"] == "Record my vote")
    trustee.check("keyboard-button")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text(f"You voted {choice.lower()}")
    trustee.check("voted")
    assert all(stop["visible"] for stop in stops), [stop for stop in stops if not stop["visible"]]
    return stops


def declare_conflict(trustee: Person) -> None:
    open_vote(trustee)
    trustee.page.get_by_text("I have a conflict of interest").click()
    trustee.page.get_by_label("Your conflict of interest").fill("My daughter plays in the band.")
    trustee.button("Declare a conflict of interest").click()
    trustee.check("conflict")


def test_every_role_from_application_to_the_letter(server, browser, tmp_path):
    base = server["url"]
    people = []

    def person(role: str, email: str | None = None, *, phone: bool = False) -> Person:
        someone = Person(browser, base, role, phone=phone)
        people.append(someone)
        if email:
            someone.sign_in(email)
        return someone

    try:
        applicant = person("applicant")
        register(applicant, server["instance"])
        fill_profile(applicant)
        reference = apply(applicant, real_pdf(tmp_path))
        assert re.fullmatch(r"NMEH-\d{4}-\d{4}", reference)

        officer = person("officer", "officer@demo.consort.invalid")
        take_and_request(officer, reference)
        respond(applicant)
        recommend(officer)

        declare_conflict(person("trustee1", "trustee1@demo.consort.invalid"))
        cast(person("trustee2-phone", "trustee2@demo.consort.invalid", phone=True), "Approve", reflow=True)
        WALK["vote"] = cast_by_keyboard(person("trustee3", "trustee3@demo.consort.invalid"), "Abstain")
        chair = person("chair", "chair@demo.consort.invalid")
        cast(chair, "Approve")
        expect(chair.page.locator("main")).to_contain_text("Approved")

        issue_letter(officer)
        download_letter(applicant, reference)
        assert [error for someone in people for error in someone.errors] == []
        (SCREENSHOTS / "whole-journey-walk.json").write_text(json.dumps({"reflow": REFLOW, "keyboard": WALK}, indent=1))
        assert {page: width for page, width in REFLOW.items() if width > 320} == {}
    finally:
        for someone in people:
            someone.context.close()

