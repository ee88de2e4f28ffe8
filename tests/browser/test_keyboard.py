"""The applicant's journey with the keyboard alone: Tab, Space, Enter, arrow keys and typing.

No clicks: every control is reached with Tab and used as a keyboard user would.
The emailed confirmation link is opened as if pasted into the address bar. Also the
session timeout warning: it takes the focus, and "Stay signed in" extends the session.
"""

import re

from playwright.sync_api import expect

from .conftest import check_page, emailed_link, real_pdf
from .journey import HUB, PASSWORD, Journey

TAB_LIMIT = 200


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator) -> None:
    """Press Tab until the control has the focus."""
    locator.wait_for(state="attached")
    for _ in range(TAB_LIMIT):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"Tab never reached {locator}")


def type_into(page, locator, text: str) -> None:
    tab_to(page, locator)
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def tick(page, locator) -> None:
    tab_to(page, locator)
    page.keyboard.press("Space")
    expect(locator).to_be_checked()


def choose(page, group, name: str) -> None:
    """A radio: Tab into the group, then the arrow keys to the choice."""
    target = group.get_by_role("radio", name=name, exact=True)
    tab_to(page, group.get_by_role("radio").first)
    for _ in range(group.get_by_role("radio").count()):
        if is_focused(target):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(target).to_be_checked()


def press(page, locator) -> None:
    tab_to(page, locator)
    page.keyboard.press("Enter")


class KeyboardJourney(Journey):
    """The same applicant journey, with keys only."""

    def follow(self, name) -> None:
        press(self.page, self.page.get_by_role("link", name=name).first)

    def register(self, organisation: str) -> None:
        page = self.page
        page.goto(self.base + "/register")
        self.check("register")
        type_into(page, page.get_by_label("Your full name"), "Kai Keyboard")
        type_into(page, page.get_by_label("Email address"), self.email)
        type_into(page, page.get_by_label("Name of your organisation"), organisation)
        type_into(page, page.get_by_label("Create a password", exact=True), PASSWORD)
        type_into(page, page.get_by_label("Confirm password", exact=True), PASSWORD)
        press(page, self.button("Create account"))
        self.check("after-register")

    def verify_email(self) -> None:
        self.page.goto(emailed_link(self.server["instance"], self.email, re.escape(self.base) + r"/verify-email/\S+"))
        press(self.page, self.page.locator("main form button").first)
        self.check("verified")
        type_into(self.page, self.page.get_by_label("Email address"), self.email)
        type_into(self.page, self.page.get_by_label("Password", exact=True), PASSWORD)
        with self.page.expect_navigation():
            press(self.page, self.button("Sign in"))

    def fill_profile(self) -> None:
        page = self.page
        self.follow("Organisation profile")
        self.check("profile")
        types = page.get_by_role("group", name=re.compile("type of organisation"))
        choose(page, types, "Other")
        type_into(page, page.get_by_label("Say what type of organisation it is"), "Parish music society")
        for label, text in [
            ("Address", "1 Bandstand Walk"), ("Town or city", "Wellingborough"), ("Postcode", "NN8 1AA"),
            ("Full name", "Kai Keyboard"), ("Role in the organisation", "Secretary"),
            ("Email address", self.email), ("Phone number", "07700 900 982"), ("Safeguarding lead", "Sam Safe"),
        ]:
            type_into(page, page.get_by_label(label, exact=True), text)
        press(page, self.button("Save profile"))
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
        self.check("profile-saved")

    def start(self) -> None:
        page = self.page
        self.follow("Your applications")
        choose(page, page.get_by_role("group", name="Which hub do you want to apply to?"), HUB)
        press(page, self.button("Start an application"))
        expect(page.get_by_role("heading", level=1)).to_contain_text(HUB)
        self.application_url = page.url
        self.check("task-list")

    def open_section(self, title: str) -> None:
        self.page.goto(self.application_url)
        self.follow(re.compile(rf"^\d\. {re.escape(title)}"))
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)
        self.check(f"section-{title[:20]}")

    def save(self) -> None:
        press(self.page, self.button("Save and continue"))
        expect(self.page.locator(".govuk-error-summary")).to_have_count(0)

    def fill_sections(self, pdf) -> None:
        page = self.page
        self.open_section("What you offer")
        press(page, self.button("Save and continue"))
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        self.check("offer-errors")
        # The error summary has the focus: its first link leads to the field.
        press(page, page.locator(".govuk-error-summary").get_by_role("link").first)
        expect(page.get_by_label("Describe what your organisation offers")).to_be_focused()
        page.keyboard.type("Brass band coaching on Saturday mornings.")
        expect(page.locator(".govuk-character-count__status")).to_contain_text("294 words remaining")
        tick(page, page.get_by_role("checkbox", name="Adults"))
        tick(page, page.get_by_role("checkbox", name="Other", exact=True).first)
        type_into(page, page.get_by_label("Other genres or activities"), "Brass band")
        tick(page, page.get_by_role("checkbox", name="Community venues"))
        tick(page, page.get_by_role("group", name="Which districts do you serve?").get_by_role("checkbox").first)
        self.save()

        self.open_section("Hub goals")
        tick(page, page.get_by_role("group", name=re.compile("goals does your organisation")).get_by_role("checkbox").first)
        type_into(page, page.get_by_label("How does your work support these goals?"), "Free coaching for beginners.")
        self.save()

        self.open_section("National Plan roles")
        tick(page, page.get_by_role("checkbox", name="Ensembles and chances to perform"))
        choose(page, page.get_by_role("group", name=re.compile("considered when the hub commissions")), "No")
        self.save()

        self.open_section("How you complement existing partners")
        type_into(page, page.get_by_label("How does your offer complement"), "No other brass band in the town.")
        self.save()

        self.open_section("In-kind contribution")
        tick(page, page.get_by_role("checkbox", name="Instruments or equipment"))
        type_into(page, page.get_by_label("Describe your contribution"), "Ten cornets to lend.")
        self.save()

        self.open_section("Policies and documents")
        for label in ("Safeguarding policy", "Public liability insurance certificate"):
            # The control is reached by keyboard; the operating system's file dialog it
            # opens is outside the page, so the file is handed over as that dialog would.
            tab_to(page, page.get_by_label(label))
            page.get_by_label(label).set_input_files(str(pdf))
        type_into(page, page.get_by_label("Day"), "1")
        type_into(page, page.get_by_label("Month"), "9")
        type_into(page, page.get_by_label("Year"), "2099")
        tick(page, page.get_by_role("checkbox", name=re.compile("enhanced DBS check")))
        self.save()

        self.open_section("Declarations")
        tick(page, page.get_by_role("checkbox", name=re.compile("information in this application is true")))
        tick(page, page.get_by_role("checkbox", name=re.compile("We agree to the partner commitments")))
        choose(page, page.get_by_role("group", name=re.compile("public directory")), "Yes")
        self.save()

    def submit(self) -> str:
        page = self.page
        page.goto(self.application_url)
        press(page, self.button("Check your answers"))
        self.check("check-answers")
        press(page, page.get_by_role("button", name=re.compile("submit", re.IGNORECASE)))
        expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
        self.check("submitted")
        return page.locator(".govuk-panel strong").inner_text()


def test_the_journey_with_the_keyboard_alone(server, page, tmp_path):
    journey = KeyboardJourney(page, server, "keyboard")
    journey.register("Wellingborough Brass (keyboard test)")
    journey.verify_email()
    journey.fill_profile()
    journey.start()
    journey.fill_sections(real_pdf(tmp_path))
    assert re.fullmatch(r"NMEH-\d{4}-\d{4}", journey.submit())


def test_the_timeout_warning_takes_the_focus_and_extends_the_session(server, page):
    page.clock.install()
    page.goto(server["url"] + "/sign-in")
    page.get_by_label("Email address").fill("applicant@demo.consort.invalid")
    page.get_by_label("Password", exact=True).fill("demo-password-2026")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(server["url"] + "/applications")
    page.get_by_role("radio", name=re.compile(HUB)).check()
    page.get_by_role("button", name="Start an application").click()
    page.get_by_role("link", name=re.compile(r"^\d\. What you offer")).click()
    typed = page.get_by_label("Describe what your organisation offers")
    typed.fill("Typed, then the phone rang.")

    meta = page.locator('meta[name="session-timeout"]')
    timeout, warn = int(meta.get_attribute("content")), int(meta.get_attribute("data-warn-seconds"))
    page.locator("dialog.app-timeout").wait_for(state="attached")  # the module has started its clock
    page.clock.fast_forward((timeout - warn + 1) * 1000)
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_be_visible()
    expect(dialog).to_be_focused()
    check_page(page, "keyboard-timeout-warning")

    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    with page.expect_response(lambda response: response.url.endswith("/session/extend")) as extended:
        page.keyboard.press("Enter")
    assert extended.value.status == 204
    expect(dialog).to_be_hidden()
    expect(typed).to_be_focused()
    assert typed.input_value() == "Typed, then the phone rang."
