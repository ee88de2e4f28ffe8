"""A page showing a form error says so once at the start of its title: "Error: …", never "Error: Error: …".

`templates/base.html` adds the prefix when the page's `form` (on a page of several forms, the
one that failed) has errors. CASES posts an invalid form to every page that can show the error
summary, as the role that may; `test_every_error_summary_is_covered` keeps CASES complete: a
new template calling govukErrorSummary fails it until a case shows it.
"""

import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from flask import template_rendered, url_for

from workflow.accounts.models import Role
from workflow.accounts.two_factor import enable_two_factor
from workflow.admin.operations import invitation_token
from workflow.applications.lifecycle import State
from workflow.letters.forms import FREE_PARAGRAPH_MAX
from workflow.letters.operations import draft_letter
from workflow.reviews.operations import request_information
from workflow.types import utcnow
from workflow.votes.meetings import schedule_meeting
from workflow.votes.rule import Choice

from ..account_helpers import become, emails, forget_user, link_in
from ..builders import DEFAULT_ARGS, complete_answers, make_application
from ..conftest import PASSWORD
from ..page_helpers import Forms

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HALFWAY = "halfway"  # an enrolled officer who has given the password, not yet the code


@dataclass(frozen=True)
class Case:
    """An invalid form sent to `endpoint` as `role`: the hidden fields of its form on the page
    (the endpoint's own, or `page` for a route taking POSTs only), with `data`, are posted."""

    template: str
    role: str
    endpoint: str
    args: dict = field(default_factory=dict)  # URL argument -> object name, beyond DEFAULT_ARGS
    data: dict = field(default_factory=dict)
    page: str | None = None

    def __str__(self):
        return f"{self.endpoint}-{self.role}"


CASES = [
    # Accounts
    Case("accounts/sign_in.html", "anonymous", "accounts.sign_in"),
    Case("accounts/register.html", "anonymous", "accounts.register"),
    Case("accounts/forgot_password.html", "anonymous", "accounts.forgot_password"),
    Case("accounts/reset_password.html", "anonymous", "accounts.reset", args={"token": "reset_token"}),
    Case("accounts/confirm_password.html", "owner", "accounts.confirm_password"),
    Case("accounts/change_password.html", "owner", "accounts.change_own_password"),
    Case("accounts/change_email.html", "owner", "accounts.change_own_email"),
    Case("accounts/two_factor_setup.html", "owner", "accounts.two_factor_setup"),
    Case("accounts/two_factor.html", HALFWAY, "accounts.two_factor"),
    # Administration
    Case("admin/new_hub.html", "admin", "admin.new_hub"),
    Case("admin/hub.html", "admin", "admin.edit_hub", data={"name": ""}),
    Case("admin/hub_image.html", "admin", "admin.hub_image"),
    Case("admin/rounds.html", "admin", "admin.rounds"),
    Case("admin/invite.html", "admin", "admin.invite"),
    Case("admin/user.html", "admin", "admin.user", args={"user_id": "officer"}),
    Case("admin/settings.html", "admin", "admin.settings"),
    Case("admin/accept_invitation.html", "anonymous", "invitations.accept_invitation_page", args={"token": "staff_token"}),
    # The applicant's pages
    Case("applications/home.html", "owner", "applications.start", page="applications.home"),
    Case("applications/section.html", "owner", "applications.save_section_answers", page="applications.section"),
    Case("applications/messages.html", "owner", "applications.messages"),
    Case("applications/withdraw.html", "owner", "applications.withdraw"),
    Case("applications/respond.html", "owner", "applications.respond", args={"application_id": "info_requested"}),
    Case("organisations/profile.html", "owner", "organisations.profile", data={"name": ""}),
    Case("organisations/members.html", "owner", "organisations.members"),
    Case("organisations/members_invitation.html", "anonymous", "organisations.invitation", args={"token": "member_token"}),
    Case("directory/edit.html", "owner", "directory.edit_entry", data={"description": "x" * 5000}),
    # The office
    Case("reviews/application.html", "officer", "reviews.assign", args={"application_id": "in_review"},
         data={"assign-assignee": "0"}, page="reviews.application"),
    Case("reviews/application.html", "officer", "reviews.add_note", args={"application_id": "in_review"}, page="reviews.application"),
    Case("reviews/application.html", "officer", "reviews.assessment", args={"application_id": "in_review"},
         data={"assessment-reasons": "x" * 5001}, page="reviews.application"),
    Case("reviews/application.html", "officer", "reviews.send_message", args={"application_id": "in_review"}, page="reviews.application"),
    Case("reviews/messages.html", "officer", "reviews.draft_messages"),
    Case("reviews/request_information.html", "officer", "reviews.request_information", args={"application_id": "in_review"}),
    Case("reviews/put_to_trustees.html", "officer", "reviews.put_to_trustees", args={"application_id": "in_review"},
         data={"route": "meeting"}),
    Case("reviews/bulk.html", "officer", "reviews.bulk", data={"action": "assign"}),
    Case("reviews/bulk.html", "officer", "reviews.bulk_request_information"),
    Case("reviews/bulk.html", "officer", "reviews.bulk_put_to_trustees"),
    Case("letters/edit.html", "officer", "letters.edit", args={"application_id": "letter_draft"},
         data={"free_paragraph": "x" * (FREE_PARAGRAPH_MAX + 1)}),
    Case("letters/admin_edit.html", "admin", "letters.edit_template"),
    Case("letters/verify.html", "anonymous", "letters.verify"),
    # Trustees and meetings
    Case("votes/vote.html", "trustee", "votes.ballot", page="votes.vote"),
    Case("votes/vote.html", "trustee", "votes.conflict", page="votes.vote"),
    Case("votes/interests.html", "trustee", "votes.my_interests"),
    Case("votes/meeting_new.html", "officer", "votes.new_meeting"),
    Case("votes/meeting_schedule.html", "officer", "votes.schedule_meeting"),
    Case("votes/meeting_attendance.html", "officer", "votes.meeting_attendance", args={"meeting_id": "scheduled"}),
    Case("votes/meeting_item.html", "officer", "votes.meeting_item"),
    Case("votes/meeting_item_defer.html", "officer", "votes.meeting_item_defer"),
]


def templates_with_the_error_summary() -> set[str]:
    return {
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
        if "govukErrorSummary(" in path.read_text()
    }


def test_every_error_summary_is_covered():
    covered = {case.template for case in CASES}
    assert covered == templates_with_the_error_summary(), {
        "add a case for": sorted(templates_with_the_error_summary() - covered),
        "no such template": sorted(covered - templates_with_the_error_summary()),
    }


@pytest.fixture()
def error_world(app, client, db, people, objects, hub, organisation, applicant, officer, make_user):
    """The objects of the access table, and what these forms need beside: links' tokens,
    an application waiting for information, a letter in draft, a meeting not yet held."""
    with app.test_request_context():
        waiting = make_application(hub, organisation, applicant, State.IN_REVIEW, officer=officer, answers=complete_answers(hub))
        request_information(waiting, officer, ["offer"], "Please say more about your offer.")
        approved = make_application(hub, organisation, applicant, State.APPROVED, officer=officer, answers=complete_answers(hub))
        draft_letter(approved, Choice.APPROVE)
        scheduled = schedule_meeting(officer, utcnow().date())
        enrolled = make_user(Role.OFFICER, name="Enrolled Officer")
        secret = pyotp.random_base32()
        enable_two_factor(enrolled, secret, pyotp.TOTP(secret).now())
        staff_token = invitation_token(officer)
        db.session.commit()
    forget_user()
    client.post("/password-reset", data={"email": applicant.email})
    return {
        **objects, "info_requested": waiting.id, "letter_draft": approved.id, "scheduled": scheduled.id,
        "staff_token": staff_token, "reset_token": link_in(emails("password_reset")[-1]).rsplit("/", 1)[1],
        "member_token": link_in(emails("invitation")[-1]).rsplit("/", 1)[1], "halfway": enrolled,
    }


def title_of(page: str) -> str:
    return " ".join(unescape(re.search(r"<title[^>]*>(.*?)</title>", page, re.S).group(1)).split())


def hidden_fields(page: str, url: str) -> dict:
    """The hidden fields of the page's form that posts to `url`."""
    forms = [form for form in Forms(page).forms if form["method"] == "post" and urlsplit(form["action"]).path in ("", url)]
    assert forms, f"no form posting to {url}"
    return {name: f["values"][0] for name, f in forms[0]["fields"].items() if f["kind"] == "hidden" and f["values"]}


def url_of(app, endpoint: str, case: Case, world: dict) -> str:
    """The endpoint's URL, its arguments filled from the world (by DEFAULT_ARGS unless the case says)."""
    rule = next(app.url_map.iter_rules(endpoint))
    names = {name: DEFAULT_ARGS[name] for name in rule.arguments} | case.args
    with app.test_request_context():
        return url_for(endpoint, **{name: world[names[name]] for name in rule.arguments})


def form_page_of(app, case: Case, world: dict) -> str | None:
    """The page that holds the case's form: `page`, else the endpoint's own if it answers GET."""
    if case.page:
        return url_of(app, case.page, case, world)
    return url_of(app, case.endpoint, case, world) if "GET" in next(app.url_map.iter_rules(case.endpoint)).methods else None


@pytest.mark.parametrize("case", CASES, ids=str)
def test_a_form_error_is_said_once_in_the_title(app, client, login, people, error_world, case):
    if case.role == HALFWAY:
        forget_user()
        client.post("/sign-in", data={"email": error_world[HALFWAY].email, "password": PASSWORD})
    else:
        become(client, login, people[case.role])
    target = url_of(app, case.endpoint, case, error_world)
    hidden = {}
    if shown := form_page_of(app, case, error_world):
        forget_user()
        page = client.get(shown)
        assert page.status_code == 200, (shown, page.status_code)
        hidden = hidden_fields(page.get_data(as_text=True), target)

    rendered = []

    def record(sender, template, context, **extra):
        rendered.append(template.name)

    forget_user()
    with template_rendered.connected_to(record, app):
        response = client.post(target, data=hidden | case.data)
    page = response.get_data(as_text=True)
    assert rendered[-1:] == [case.template], (target, response.status_code, rendered)  # the page comes last, after its widgets
    assert "govuk-error-summary" in page, (target, "no error shown")
    title = title_of(page)
    assert title.startswith("Error: ") and title.count("Error:") == 1, title
