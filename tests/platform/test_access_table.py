"""Access control, exhaustively: every rule of the URL map, for every role, from one table.

`ACCESS` declares, for each endpoint, which object of the world fills the URL and the
status each role gets (SPEC 1: 404 not theirs, 403 wrong role, 409 wrong state; 302 to
sign in for anonymous people on protected pages). GET is requested for every role. A
POST is sent only by the roles that must be refused ("allowed" roles are not posted, as
that would change state): declared in `post` for POST-only routes; on a GET-and-POST
route, whoever is refused the page (302, 403, 404) is refused the POST alike. A route
without an entry fails the test. Every HTML response carries the security headers, and
neither a GET nor a refused POST changes a row.
"""

from dataclasses import dataclass, field

import pytest
from flask import g, request_finished, request_started

from ..account_helpers import become
from ..builders import DEFAULT_ARGS, row_counts
from ..policy_routes import actions_of

ROLES = ("anonymous", "owner", "other", "officer", "trustee", "chair", "conflicted", "admin")
REFUSALS = {302, 403, 404}  # a refused page whose POST is refused alike
ALLOWED = "allowed"  # a POST this role may make: not sent, as it would change state


def statuses(anonymous, owner, other, officer, trustee, chair, conflicted, admin) -> dict[str, object]:
    return dict(zip(ROLES, (anonymous, owner, other, officer, trustee, chair, conflicted, admin)))


@dataclass(frozen=True)
class Expect:
    """What one endpoint answers: `get` and `post` map role -> status (or ALLOWED);
    `args` names the world object for each URL argument not taken from DEFAULT_ARGS;
    an anonymous 302 must lead to `anonymous_to`."""

    get: dict | None = None
    post: dict | None = None
    args: dict = field(default_factory=dict)
    anonymous_to: str = "/sign-in"



def like(group: dict, **changes) -> dict:
    """A role group with some roles' statuses changed."""
    return group | changes


def refused(group: dict, **changes) -> dict:
    """For a POST-only route: the group's 200s become ALLOWED (not posted), the rest are refusals."""
    return {role: ALLOWED if status == 200 else status for role, status in like(group, **changes).items()}


#                    anonymous owner other officer trustee chair conflicted admin
PUBLIC = statuses(200, 200, 200, 200, 200, 200, 200, 200)
SIGNED_IN = statuses(302, 200, 200, 200, 200, 200, 200, 200)
SIGNED_OUT = statuses(200, 302, 302, 302, 302, 302, 302, 302)
BAD_TOKEN = statuses(410, 410, 410, 410, 410, 410, 410, 410)
APPLICANTS = statuses(302, 200, 200, 403, 403, 403, 403, 403)
APPLICANT_OWNED = statuses(302, 200, 404, 404, 404, 404, 404, 404)  # a draft is the organisation's own until submitted
ORGANISATION_OWNED = statuses(302, 200, 404, 403, 403, 403, 403, 403)
OFFICE = statuses(302, 403, 403, 200, 403, 403, 403, 200)
BOARD = statuses(302, 403, 403, 200, 200, 200, 200, 200)
TRUSTEES = statuses(302, 403, 403, 403, 200, 200, 200, 403)
ADMIN = statuses(302, 403, 403, 403, 403, 403, 403, 200)
VISIBLE = statuses(302, 200, 404, 200, 200, 200, 200, 200)  # Application.can_view: members, staff, trustees once put to them

ACCESS: dict[str, Expect] = {
    # Accounts
    "accounts.account": Expect(get=SIGNED_IN),
    "accounts.change_own_email": Expect(get=SIGNED_IN),
    "accounts.change_own_password": Expect(get=SIGNED_IN),
    "accounts.confirm_email_change": Expect(get=BAD_TOKEN),
    "accounts.confirm_password": Expect(get=SIGNED_IN),
    "accounts.email_sign_in_link": Expect(post=refused(PUBLIC)),
    "accounts.extend_session": Expect(post=refused(SIGNED_IN)),
    "accounts.forgot_password": Expect(get=PUBLIC),
    "accounts.recovery_codes": Expect(get=like(SIGNED_IN, **dict.fromkeys(ROLES, 302))),  # no second factor set up yet
    "accounts.register": Expect(get=SIGNED_OUT),
    "accounts.resend_verification": Expect(post=refused(SIGNED_IN)),
    "accounts.reset": Expect(get=BAD_TOKEN),
    "accounts.sign_in": Expect(get=SIGNED_OUT),
    "accounts.sign_in_by_link": Expect(get=BAD_TOKEN),
    "accounts.sign_out": Expect(post=refused(SIGNED_IN)),
    "accounts.sign_out_all": Expect(post=refused(SIGNED_IN)),
    "accounts.turn_off_second_factor": Expect(post=refused(APPLICANTS)),  # required for staff and trustees
    "accounts.two_factor": Expect(get=like(SIGNED_IN, **dict.fromkeys(ROLES, 302))),  # no sign-in half done
    "accounts.two_factor_setup": Expect(get=SIGNED_IN),
    "accounts.verify": Expect(get=BAD_TOKEN),
    # Administration
    "admin.activity": Expect(get=ADMIN),
    "admin.delete_round": Expect(post=refused(ADMIN)),
    "admin.edit_hub": Expect(get=ADMIN),
    "admin.hub_image": Expect(get=ADMIN),
    "admin.hub_image_file": Expect(get=ADMIN),
    "admin.index": Expect(get=ADMIN),
    "admin.invite": Expect(get=ADMIN),
    "admin.new_hub": Expect(get=ADMIN),
    "admin.remove_image": Expect(post=refused(ADMIN)),
    "admin.rounds": Expect(get=ADMIN),
    "admin.send_invitation_again": Expect(post=refused(ADMIN), args={"user_id": "officer"}),
    "admin.settings": Expect(get=ADMIN),
    "admin.switch_account": Expect(post=refused(ADMIN), args={"user_id": "officer"}),
    "admin.user": Expect(get=ADMIN, args={"user_id": "officer"}),
    "admin.users": Expect(get=ADMIN),
    # The applicant's pages (the owner's draft unless said)
    "applications.check": Expect(get=APPLICANT_OWNED),
    "applications.copy_pdf": Expect(get=VISIBLE, args={"application_id": "with_trustees"}),
    "applications.document": Expect(get=VISIBLE, args={"application_id": "with_trustees"}),
    "applications.home": Expect(get=APPLICANTS),
    "applications.messages": Expect(get=APPLICANT_OWNED),
    "applications.respond": Expect(get=like(APPLICANT_OWNED, owner=409)),  # no information was asked for
    "applications.save_section_answers": Expect(post=refused(APPLICANT_OWNED)),
    "applications.section": Expect(get=APPLICANT_OWNED),
    "applications.show": Expect(get=APPLICANT_OWNED),
    "applications.start": Expect(post=refused(APPLICANTS)),
    "applications.submit": Expect(post=refused(APPLICANT_OWNED)),
    "applications.submitted": Expect(get=like(APPLICANT_OWNED, officer=403, admin=403), args={"application_id": "in_review"}),
    "applications.withdraw": Expect(get=APPLICANT_OWNED),
    # Directory and partnerships
    "directory.edit_entry": Expect(get=ORGANISATION_OWNED),
    "directory.hide": Expect(post=refused(OFFICE)),
    "directory.partner": Expect(get=PUBLIC),
    "directory.partners": Expect(get=PUBLIC),
    "directory.partnerships": Expect(get=APPLICANTS),
    "directory.renew": Expect(post=refused(ORGANISATION_OWNED)),
    "directory.show": Expect(post=refused(OFFICE)),
    # Public pages
    "hubs.accessibility": Expect(get=PUBLIC),
    "hubs.home": Expect(get=PUBLIC),
    "hubs.hub": Expect(get=PUBLIC),
    "hubs.logo": Expect(get=PUBLIC),
    "hubs.privacy": Expect(get=PUBLIC),
    "index": Expect(get=like(PUBLIC, **dict.fromkeys(ROLES, 302)), anonymous_to="/hubs"),  # sends each person to their start page
    "invitations.accept_invitation_page": Expect(get=BAD_TOKEN),
    # Letters (the approved application, its letter issued)
    "letters.download": Expect(get=VISIBLE, args={"application_id": "approved"}),
    "letters.edit": Expect(get=OFFICE, args={"application_id": "approved"}),
    "letters.edit_template": Expect(get=ADMIN),
    "letters.issue": Expect(post=refused(OFFICE), args={"application_id": "approved"}),
    "letters.preview": Expect(get=OFFICE, args={"application_id": "approved"}),
    "letters.template_preview": Expect(get=ADMIN),
    "letters.template_version": Expect(get=ADMIN),
    "letters.templates": Expect(get=ADMIN),
    "letters.verify": Expect(get=PUBLIC),
    # Organisations
    "organisations.cancel": Expect(post=refused(ORGANISATION_OWNED)),
    "organisations.invitation": Expect(get=BAD_TOKEN),
    "organisations.members": Expect(get=ORGANISATION_OWNED),
    "organisations.profile /organisation": Expect(get=APPLICANTS),
    "organisations.profile /organisation/<int:organisation_id>": Expect(get=ORGANISATION_OWNED),
    "organisations.remove": Expect(post=refused(ORGANISATION_OWNED, owner=409)),  # the last member cannot go
    "privacy.export /organisation/<int:organisation_id>/export": Expect(get=ORGANISATION_OWNED),
    "privacy.export /organisation/export": Expect(get=APPLICANTS),
    # The office (the application in review)
    "reviews.add_note": Expect(post=refused(OFFICE), args={"application_id": "in_review"}),
    "reviews.application": Expect(get=OFFICE, args={"application_id": "in_review"}),
    "reviews.assessment": Expect(post=refused(OFFICE), args={"application_id": "in_review"}),
    "reviews.assign": Expect(post=refused(OFFICE), args={"application_id": "in_review"}),
    "reviews.bulk": Expect(post=refused(OFFICE)),
    "reviews.bulk_put_to_trustees": Expect(post=refused(OFFICE)),
    "reviews.bulk_request_information": Expect(post=refused(OFFICE)),
    "reviews.dashboard": Expect(get=OFFICE),
    "reviews.draft_messages": Expect(get=OFFICE),  # a draft: the office reads and answers its messages
    "reviews.export": Expect(get=OFFICE),
    "reviews.put_to_trustees": Expect(get=OFFICE, args={"application_id": "in_review"}),
    "reviews.queue": Expect(get=OFFICE),
    "reviews.request_information": Expect(get=OFFICE, args={"application_id": "in_review"}),
    "reviews.revision": Expect(get=OFFICE, args={"application_id": "in_review"}),
    "reviews.revision_changes": Expect(get=OFFICE, args={"application_id": "in_review"}),  # revision 2 since 1
    "reviews.send_message": Expect(post=refused(OFFICE), args={"application_id": "in_review"}),
    "reviews.take": Expect(post=refused(OFFICE), args={"application_id": "in_review"}),
    # Trustees, votes and meetings (the open vote; the conflicted trustee declared on it)
    "votes.ballot": Expect(post=refused(TRUSTEES, conflicted=403)),
    "votes.casting_vote": Expect(post=refused(TRUSTEES, trustee=403, chair=409, conflicted=403)),  # no tie
    "votes.close": Expect(post=refused(OFFICE, officer=409, chair=409, admin=409)),  # before its deadline
    "votes.conflict": Expect(post=refused(TRUSTEES, conflicted=409)),  # declared already
    "votes.defer": Expect(post=refused(OFFICE, chair=200)),
    "votes.meeting": Expect(get=BOARD),
    "votes.meeting_attendance": Expect(get=like(OFFICE, officer=409, admin=409)),  # the meeting's attendance is recorded
    "votes.meeting_item": Expect(get=OFFICE),
    "votes.meeting_item_defer": Expect(get=OFFICE),
    "votes.meeting_pack": Expect(get=BOARD),
    "votes.meetings_list": Expect(get=BOARD),
    "votes.my_interests": Expect(get=TRUSTEES),
    "votes.my_votes": Expect(get=TRUSTEES),
    "votes.new_meeting": Expect(get=OFFICE),
    "votes.open_votes_pack": Expect(get=BOARD),
    "votes.remove_interest": Expect(post=refused(TRUSTEES, chair=404, conflicted=404)),  # the trustee's own entry
    "votes.schedule_meeting": Expect(get=OFFICE),
    "votes.trustee_meeting": Expect(get=BOARD),
    "votes.vote": Expect(get=BOARD),
}


def rule_key(rule, rules) -> str:
    """The table key of a rule: its endpoint, with its path when the endpoint has several rules."""
    shared = sum(1 for other in rules if other.endpoint == rule.endpoint) > 1
    return f"{rule.endpoint} {rule.rule}" if shared else rule.endpoint


def all_rules(app):
    """(table key, rule) for every rule but the static files."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    return sorted(((rule_key(rule, rules), rule) for rule in rules), key=lambda pair: pair[0])


def check_headers(response, where):
    """CSP without inline code and framing, nosniff and a referrer policy on every HTML response."""
    if response.mimetype != "text/html":
        return
    policy = response.headers.get("Content-Security-Policy", "")
    assert policy and "'unsafe-inline'" not in policy, (where, policy)
    assert "frame-ancestors 'none'" in policy, (where, policy)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy"), where


def test_every_route_is_in_the_table(app):
    missing = [key for key, _ in all_rules(app) if key not in ACCESS]
    assert not missing, f"add it to ACCESS: {missing}"
    stale = set(ACCESS) - {key for key, _ in all_rules(app)}
    assert not stale, f"no such route, remove from ACCESS: {stale}"


@pytest.fixture()
def asked(app):
    """What each request asked of the policy (`authorize`), in order, one list per request."""
    seen = []

    def started(sender, **extra):
        g.pop("policy_asked", None)

    def finished(sender, response, **extra):
        seen.append(list(g.get("policy_asked", [])))

    request_started.connect(started, app)
    request_finished.connect(finished, app)
    yield seen
    request_started.disconnect(started, app)
    request_finished.disconnect(finished, app)


def check_asked(asked, response, endpoint, where):
    """The route asked the policy only for its own actions, each once; a signed-in person
    reaching a route with actions was asked about (unless what the URL names was not found, or its link is dead)."""
    actions = asked[-1]
    assert len(actions) == len(set(actions)), (where, "asked twice", actions)
    assert set(actions) <= actions_of(endpoint), (where, "asked for another route's action", actions)
    if actions_of(endpoint) and where[-1] != "anonymous" and response.status_code not in (404, 410):
        assert actions, (where, "never asked the policy")


@pytest.mark.parametrize("key", sorted(ACCESS))
def test_access(app, client, login, db, people, objects, asked, key):
    """Each role gets the declared status from this route, and nothing is written."""
    rule = dict(all_rules(app))[key]
    expect = ACCESS[key]
    names = {name: DEFAULT_ARGS[name] for name in rule.arguments} | expect.args
    url = rule.build({name: objects[names[name]] for name in rule.arguments}, append_unknown=False)[1]
    stored = getattr(app.view_functions[rule.endpoint], "cacheable", False)
    assert not stored or expect.get == PUBLIC, (key, "only public views may be stored")
    before = row_counts()
    if "GET" in rule.methods:
        for role in ROLES:
            become(client, login, people[role])
            response = client.get(url)
            db.session.rollback()
            check(response, key, "GET", role, expect.get[role], expect, stored)
            check_asked(asked, response, rule.endpoint, (key, "GET", role))
        assert row_counts() == before, (key, "a GET changed the database")
    for role in ROLES:
        if "POST" not in rule.methods or post_expected(expect, role) == ALLOWED:
            continue
        become(client, login, people[role])
        response = client.post(url, data={})
        db.session.rollback()
        check(response, key, "POST", role, post_expected(expect, role), expect, stored)
        check_asked(asked, response, rule.endpoint, (key, "POST", role))
    assert row_counts() == before, (key, "a refused POST changed the database")


def post_expected(expect, role):
    """A POST's declared status; on a GET-and-POST route, a role refused the page is refused the POST alike."""
    if expect.post is not None:
        return expect.post[role]
    status = expect.get[role]
    return status if status in REFUSALS and not (status == 302 and role != "anonymous") else ALLOWED


def check(response, key, method, role, expected, expect, stored=False):
    """The declared status; sign-in for anonymous people; the headers on every page;
    no-store on every response to someone signed in, unless the view may be stored."""
    assert response.status_code == expected, (key, method, role, response.status_code)
    if role == "anonymous" and expected == 302:
        assert response.location.startswith(expect.anonymous_to), (key, response.location)
    check_headers(response, (key, method, role))
    if role != "anonymous" and not stored:
        assert response.headers.get("Cache-Control") == "no-store", (key, method, role, response.headers.get("Cache-Control"))
