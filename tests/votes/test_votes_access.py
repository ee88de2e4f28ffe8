"""Who may do what on the trustees' pages: every (vote state, role, action) in one table."""

import pytest
from flask import g
from sqlalchemy import func, select

from tests.account_helpers import sign_in
from tests.builders import put_to_vote
from workflow.accounts.models import Role
from workflow.audit.models import ApplicationEvent
from workflow.votes.models import TrusteeInterest, VoteStatus


ACTIONS = {
    "my_votes": ("GET", "/trustees", {}),
    "vote": ("GET", "/trustees/votes/{id}", {}),
    "ballot": ("POST", "/trustees/votes/{id}/ballot", {"choice": "approve"}),
    "conflict": ("POST", "/trustees/votes/{id}/conflict", {"reason": "I work for them"}),
    "casting_vote": ("POST", "/trustees/votes/{id}/casting-vote", {"casting_choice": "approve"}),
    "close": ("POST", "/trustees/votes/{id}/close", {}),
    "defer": ("POST", "/trustees/votes/{id}/defer", {"reasons": "Needs a site visit"}),
    "interests": ("GET", "/trustees/interests", {}),
    "add_interest": ("POST", "/trustees/interests", {"organisation_name": "Kettering Community Strings"}),
    "board_pack": ("GET", "/trustees/board-pack.pdf", {}),
    "meetings": ("GET", "/office/meetings", {}),
    "new_meeting": ("GET", "/office/meetings/new", {}),
}
# Routes about one meeting or one interest, and scheduling: their tables are in test_meetings.py and test_vote_interests.py.
OTHER_ROUTES = {
    "/trustees/interests/<int:interest_id>/remove",
    "/office/meetings/<int:meeting_id>",
    "/trustees/meetings/<int:meeting_id>",
    "/office/meetings/<int:meeting_id>/items/<int:item_id>",
    "/office/meetings/<int:meeting_id>/board-pack.pdf",
    "/office/meetings/schedule",
    "/office/meetings/<int:meeting_id>/attendance",
    "/office/meetings/<int:meeting_id>/items/<int:item_id>/defer",
}
ROLES = ("anonymous", "applicant", "other_applicant", "officer", "admin", "trustee", "chair", "conflicted", "non_member")
S, D = 302, 302  # S: anonymous people are sent to sign in; D: done (POST/redirect/GET)

# Expected status per role (in the order of ROLES); trustees[3] has declared a conflict.
# fmt: off
OPEN = {  # an open vote before its deadline
    #               anon  appl other offi admin trus chair conf  new
    "my_votes":     (S,   403, 403,  403, 403,  200, 200,  200,  200),
    "vote":         (S,   403, 403,  200, 200,  200, 200,  200,  200),
    "ballot":       (S,   403, 403,  403, 403,  D,   D,    403,  403),
    "conflict":     (S,   403, 403,  403, 403,  D,   D,    409,  403),
    "casting_vote": (S,   403, 403,  403, 403,  403, 409,  403,  403),
    "close":        (S,   403, 403,  409, 409,  403, 409,  403,  403),
    "defer":        (S,   403, 403,  D,   D,    403, D,    403,  403),
    "interests":    (S,   403, 403,  403, 403,  200, 200,  200,  200),
    "add_interest": (S,   403, 403,  403, 403,  D,   D,    D,    D),
    "board_pack":   (S,   403, 403,  200, 200,  200, 200,  200,  200),
    "meetings":     (S,   403, 403,  200, 200,  200, 200,  200,  200),
    "new_meeting":  (S,   403, 403,  200, 200,  403, 403,  403,  403),
}
CLOSED = {  # the vote closed with a result: the application is approved
    **OPEN,
    "ballot":       (S,   403, 403,  403, 403,  409, 409,  403,  403),
    "conflict":     (S,   403, 403,  403, 403,  409, 409,  409,  403),
    "close":        (S,   403, 403,  409, 409,  403, 409,  403,  403),
    "defer":        (S,   403, 403,  409, 409,  403, 409,  403,  403),
}
# fmt: on
TABLE = [
    (state, role, action, expected)
    for state, table in (("open", OPEN), ("closed", CLOSED))
    for action in ACTIONS
    for role, expected in zip(ROLES, table[action])
]


@pytest.fixture()
def people(applicant, other_applicant, officer, admin, trustees):
    return {
        "applicant": applicant,
        "other_applicant": other_applicant,
        "officer": officer,
        "admin": admin,
        "trustee": trustees[1],
        "chair": trustees[0],
        "conflicted": trustees[3],
    }


@pytest.fixture()
def board_vote(db, client, hub, organisation, applicant, officer, trustees, make_user, login, people):
    """Open a vote, then have trustees[3] declare a conflict; a trustee joins the board afterwards."""

    def make(state: str):
        vote = put_to_vote(hub, organisation, applicant, officer)
        sign_in(login, trustees[3])
        response = client.post(f"/trustees/votes/{vote.id}/conflict", data={"reason": "My employer"})
        assert response.status_code == 302
        if state == "closed":
            for trustee in trustees[:3]:
                sign_in(login, trustee)
                client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": "approve"})
            assert vote.status is VoteStatus.CLOSED
        people["non_member"] = make_user(Role.TRUSTEE, name="New Trustee")
        return vote

    return make


def signed_out(client):
    g.pop("_login_user", None)
    with client.session_transaction() as session:
        session.clear()


@pytest.mark.parametrize("state, role, action, expected", TABLE)
def test_access(db, client, login, board_vote, people, state, role, action, expected):
    vote = board_vote(state)
    events_before = db.session.scalar(select(func.count(ApplicationEvent.id)))
    if role == "anonymous":
        signed_out(client)
    else:
        sign_in(login, people[role])
    method, path, data = ACTIONS[action]
    response = client.open(path.format(id=vote.id), method=method, data=data)
    assert response.status_code == expected
    if role == "anonymous":
        assert "/sign-in" in response.headers["Location"]
    events_after = db.session.scalar(select(func.count(ApplicationEvent.id)))
    if expected != D or method == "GET" or role == "anonymous" or action == "add_interest":
        assert events_after == events_before  # a refusal changes nothing
    else:
        assert events_after > events_before
    if action == "add_interest":
        added = db.session.scalar(select(func.count(TrusteeInterest.id)))
        assert added == (1 if expected == D and role != "anonymous" else 0)
    if action == "board_pack" and expected == 200:
        assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")


def test_every_route_of_the_votes_area_is_in_the_table(app):
    rules = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("votes.")}
    assert rules == {path.replace("{id}", "<int:vote_id>") for _, path, _ in ACTIONS.values()} | OTHER_ROUTES


@pytest.mark.parametrize("role", ["trustee", "officer"])
def test_a_vote_that_does_not_exist_is_404(db, client, login, people, role):
    sign_in(login, people[role])
    assert client.get("/trustees/votes/9999").status_code == 404
    assert client.post("/trustees/votes/9999/ballot", data={"choice": "approve"}).status_code == 404


def test_refusals_say_why(db, client, login, board_vote, people):
    vote = board_vote("open")
    sign_in(login, people["conflicted"])
    response = client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": "approve"})
    assert response.status_code == 403
    assert "You declared a conflict of interest" in response.get_data(as_text=True)
    sign_in(login, people["officer"])
    response = client.post(f"/trustees/votes/{vote.id}/close")
    assert response.status_code == 409
    assert "only after its deadline" in response.get_data(as_text=True)
