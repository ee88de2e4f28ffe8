"""The applicant's journey in Chromium, step by step, for the browser tests that walk it."""

import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from .conftest import check_page, emailed_link

PASSWORD = "a long and memorable passphrase 2026"
HUB = "Northamptonshire Music Education Hub"
OFFER_TEXT = "Weekly samba and steel pan workshops for young people in Corby and Kettering."


class Journey:
    """One applicant going through the pages, checking each with axe."""

    def __init__(self, page, server, name: str):
        self.page, self.server, self.base = page, server, server["url"]
        self.prefix = name
        self.count = 0
        self.email = f"{name}-{uuid.uuid4().hex[:8]}@example.org"

    def check(self, what: str) -> None:
        self.count += 1
        check_page(self.page, f"{self.prefix}-{self.count:02d}-{what}")

    def navigate(self, name: str) -> None:
        """Follow a link of the main navigation (behind the Menu button on a phone)."""
        menu = self.page.get_by_role("button", name="Menu")
        if menu.is_visible():
            menu.click()
            self.check("menu-open")
        self.page.get_by_role("link", name=name, exact=True).click()

    def button(self, name: str):
        return self.page.get_by_role("button", name=name, exact=True)

    # --- Account and profile -------------------------------------------------

    def register(self, organisation: str) -> None:
        page = self.page
        page.goto(self.base + "/register")
        self.check("register")
        page.get_by_label("Your full name").fill("Nia Newcomer")
        page.get_by_label("Email address").fill(self.email)
        page.get_by_label("Name of your organisation").fill(organisation)
        page.get_by_label("Create a password", exact=True).fill(PASSWORD)
        page.get_by_label("Confirm password", exact=True).fill(PASSWORD)
        self.button("Create account").click()
        self.check("after-register")

    def verify_email(self) -> None:
        self.page.goto(emailed_link(self.server["instance"], self.email, re.escape(self.base) + r"/verify-email/\S+"))
        self.check("verify-email")
        self.page.locator("main form button").first.click()
        self.check("verified")
        expect(self.page.get_by_text("your email address is confirmed", exact=False)).to_be_visible()
        self.page.get_by_label("Email address").fill(self.email)
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        with self.page.expect_navigation():
            self.button("Sign in").click()
        expect(self.page.get_by_role("heading", name="Your organisation's profile")).to_be_visible()

    def fill_profile(self) -> None:
        page = self.page
        self.navigate("Organisation profile")
        self.check("profile")
        page.get_by_role("radio", name="Registered charity", exact=True).check()
        page.get_by_label("Postcode").fill("not a postcode")
        self.button("Save profile").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        self.check("profile-errors")
        assert page.get_by_label("Postcode").input_value() == "not a postcode"
        page.get_by_label("Registered charity number").fill("1123456")
        page.get_by_label("Address", exact=True).fill("The Old Chapel\nHigh Street")
        page.get_by_label("Town or city").fill("Corby")
        page.get_by_label("Postcode").fill("NN17 1AA")
        page.get_by_label("Full name").fill("Nia Newcomer")
        page.get_by_label("Role in the organisation").fill("Director")
        page.get_by_label("Email address").fill(self.email)
        page.get_by_label("Phone number").fill("01536 960 001")
        page.get_by_label("Safeguarding lead").fill("Sam Safe")
        self.button("Save profile").click()
        expect(page.locator(".govuk-error-summary")).to_have_count(0)
        self.check("profile-saved")

    # --- The application -------------------------------------------------------

    def start(self) -> None:
        page = self.page
        page.goto(self.base + "/applications")
        self.check("home")
        page.get_by_role("radio", name=re.compile(HUB)).check()
        self.button("Start an application").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(HUB)
        self.application_url = page.url
        self.check("task-list")

    def open_section(self, title: str) -> None:
        self.page.goto(self.application_url)
        self.page.get_by_role("link", name=re.compile(rf"^\d\. {re.escape(title)}")).click()
        expect(self.page.get_by_role("heading", level=1)).to_have_text(title)
        self.check(f"section-{title[:20]}")

    def save(self) -> None:
        self.button("Save and continue").click()
        expect(self.page.locator(".govuk-error-summary")).to_have_count(0)
        self.check("saved")

    def fill_offer(self) -> None:
        page = self.page
        self.open_section("What you offer")
        page.get_by_role("checkbox", name="Other", exact=True).first.check()
        self.button("Save and continue").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_contain_text("Describe what your organisation offers")
        expect(summary).to_contain_text("Say which other genres or activities you offer")
        self.check("offer-errors")
        summary.get_by_role("link", name="Describe what your organisation offers").click()
        expect(page.get_by_label("Describe what your organisation offers")).to_be_focused()
        description = page.get_by_label("Describe what your organisation offers")
        description.fill(OFFER_TEXT)
        expect(page.locator(".govuk-character-count__status")).to_contain_text("words remaining")
        page.get_by_label("Other genres or activities").fill("Samba")
        page.get_by_role("checkbox", name="5 to 18").check()
        page.get_by_role("checkbox", name="Jazz").check()
        page.get_by_role("checkbox", name="Community venues").check()
        page.get_by_role("group", name="Which districts do you serve?").get_by_role("checkbox").first.check()
        self.save()

    def fill_goals_later(self) -> None:
        """Half-fill a section, save it for later, come back: the answer is still there."""
        page = self.page
        self.open_section("Hub goals")
        page.get_by_role("group", name=re.compile("goals does your organisation support")).get_by_role("checkbox").first.check()
        self.button("Save and come back later").click()
        self.check("saved-for-later")
        self.open_section("Hub goals")
        page.get_by_label("How does your work support these goals?").fill("Our workshops reach young people in every school.")
        self.save()

    def fill_national_plan(self) -> None:
        page = self.page
        self.open_section("National Plan roles")
        page.get_by_role("checkbox", name="Ensembles and chances to perform").check()
        page.get_by_role("radio", name="Yes").check()
        self.save()

    def fill_complementarity(self) -> None:
        self.open_section("How you complement existing partners")
        self.page.get_by_label("How does your offer complement").fill("Nobody else teaches samba in the north of the county.")
        self.save()

    def fill_in_kind(self) -> None:
        page = self.page
        self.open_section("In-kind contribution")
        page.get_by_role("checkbox", name="Tutor or practitioner time").check()
        page.get_by_label("Describe your contribution").fill("Two tutors for one afternoon a term.")
        page.get_by_label("Estimated value each year (optional)").fill("1,500")
        self.save()

    def fill_documents(self, pdf: Path) -> None:
        page = self.page
        self.open_section("Policies and documents")
        page.get_by_label("Safeguarding policy").set_input_files(str(pdf))
        page.get_by_label("Public liability insurance certificate").set_input_files(str(pdf))
        page.get_by_label("Day").fill("31")
        page.get_by_label("Month").fill("3")
        page.get_by_label("Year").fill("2099")
        page.get_by_role("checkbox", name=re.compile("enhanced DBS check")).check()
        self.save()

    def fill_declarations(self) -> None:
        page = self.page
        self.open_section("Declarations")
        page.get_by_role("checkbox", name=re.compile("information in this application is true")).check()
        page.get_by_role("checkbox", name=re.compile("We agree to the partner commitments")).check()
        page.get_by_role("radio", name="Yes").check()
        self.save()

    def submit(self) -> str:
        page = self.page
        page.goto(self.application_url)
        expect(page.locator("main")).not_to_contain_text("In progress")
        self.check("all-complete")
        page.get_by_role("button", name="Check your answers").click()
        self.check("check-answers")
        expect(page.locator("main")).to_contain_text(OFFER_TEXT)
        expect(page.locator("main")).to_contain_text("safeguarding-policy.pdf")
        page.get_by_role("button", name=re.compile("submit", re.IGNORECASE)).click()
        expect(page.locator(".govuk-panel")).to_contain_text("Application submitted")
        self.check("submitted")
        return page.locator(".govuk-panel strong").inner_text()

    def answer_request(self) -> None:
        page = self.page
        page.goto(self.base + "/applications")
        expect(page.locator("main")).to_contain_text("The trust office has asked for more information")
        self.check("home-request")
        page.get_by_role("link", name="Update your answers and respond").first.click()
        self.check("respond")
        expect(page.locator("main")).to_contain_text("Tell us which schools you already work with")
        page.get_by_role("link", name=re.compile("How you complement existing partners")).first.click()
        self.check("reopened-section")
        self.page.get_by_label("How does your offer complement").fill("We already work with six schools in Corby.")
        self.button("Save and continue").click()
        self.check("respond-after-update")
        page.get_by_label("Your response to the trust office").fill("We have added the schools we work with.")
        page.get_by_role("button", name=re.compile("Send")).click()
        expect(page.locator("main")).to_contain_text("Your response has been sent")
        self.check("responded")
        href = page.get_by_role("link", name=re.compile("copy of what you submitted")).get_attribute("href")
        copy = page.request.get(self.base + href)
        assert copy.ok and copy.body().startswith(b"%PDF-")
