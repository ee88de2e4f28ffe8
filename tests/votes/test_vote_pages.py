"""What the vote page and the trustees' emails promise: until when a vote can change, who
closes it, the chair's one action on a tie, and who sees a conflict's reason or the votes."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests.account_helpers import sign_in
from tests.builders import past_deadline, put_to_vote
from tests.page_helpers import TextOf, vote_action
from workflow.accounts.models import Role
from workflow.extensions import db as _db
from workflow.notifications.models import OutboxMessage
from workflow.policy import refusal
from workflow.votes.operations import send_vote_reminders
from workflow.votes.rule import OPEN_UNTIL


OLD_PROMISE = "until the vote closes"
LAST_VOTER = "You are the last trustee without a conflict to vote. Your vote closes the vote"
CHANGE_PROMISES = ("can change", "change your", "change their")


class Buttons(HTMLParser):
    """The page's buttons as (classes, text, inside a <details>)."""

    def __init__(self, html: str):
        super().__init__()
        self.buttons, self.details, self.current = [], 0, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            self.details += 1
        elif tag == "button":
            self.current = [dict(attrs).get("class", ""), "", self.details > 0]

    def handle_endtag(self, tag):
        if tag == "details":
            self.details -= 1
        elif tag == "button" and self.current:
            self.current[1] = " ".join(self.current[1].split())
            self.buttons.append(tuple(self.current))
            self.current = None

    def handle_data(self, data):
        if self.current:
            self.current[1] += data

    @property
    def primary(self) -> list[str]:
        """The texts of the green buttons shown without opening anything."""
        return [
            text
            for classes, text, hidden in self.buttons
            if "govuk-button" in classes.split()
            and not {"govuk-button--secondary", "govuk-button--warning"} & set(classes.split())
            and not hidden
        ]


@pytest.fixture()
def vote(hub, organisation, applicant, officer, trustees):
    return put_to_vote(hub, organisation, applicant, officer)


def html(client, login, user, vote) -> str:
    sign_in(login, user)
    response = client.get(f"/trustees/votes/{vote.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def text(client, login, user, vote) -> str:
    return TextOf(html(client, login, user, vote)).text


def bodies(kind: str) -> list[str]:
    return list(_db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == kind)))


# The promise: until the deadline, or until every trustee without a conflict has voted


def test_the_page_promises_changes_until_the_deadline_or_every_trustee_voted(db, client, login, vote, trustees):
    vote_action(client, login, trustees[1], vote, "ballot", choice="approve")
    seen = text(client, login, trustees[1], vote)
    assert f"You can change your vote {OPEN_UNTIL}." in seen
    assert f"Trustees can vote, and change their vote, {OPEN_UNTIL}: then the vote closes." in seen
    assert OLD_PROMISE not in seen


def test_the_vote_opened_and_reminder_emails_make_the_same_promise(db, vote, trustees):
    opened = bodies("vote_opened")
    assert len(opened) == len(trustees)
    assert send_vote_reminders(now=vote.deadline - timedelta(hours=1)) == len(trustees)
    reminders = bodies("vote_reminder")
    for body in opened + reminders:
        assert f"change your vote {OPEN_UNTIL}." in body
        assert OLD_PROMISE not in body and "The vote closes on" not in body
    assert all("the office's" not in body for body in opened)


def test_the_last_trustee_to_vote_is_told_their_vote_closes_it(db, client, login, vote, trustees):
    assert LAST_VOTER not in text(client, login, trustees[2], vote)
    vote_action(client, login, trustees[3], vote, "conflict", reason="I teach there.")
    vote_action(client, login, trustees[0], vote, "ballot", choice="approve")
    assert not vote.is_last_to_vote(trustees[2])
    assert LAST_VOTER not in text(client, login, trustees[2], vote)
    vote_action(client, login, trustees[1], vote, "ballot", choice="approve")
    assert vote.is_last_to_vote(trustees[2])
    assert not vote.is_last_to_vote(trustees[1]) and not vote.is_last_to_vote(trustees[3])
    assert LAST_VOTER in text(client, login, trustees[2], vote)
    assert LAST_VOTER not in text(client, login, trustees[1], vote)


def test_an_abstention_can_change_only_while_the_vote_is_open(db, client, login, vote, trustees):
    assert "You can change it only while the vote is open." in text(client, login, trustees[1], vote)
    vote_action(client, login, trustees[1], vote, "ballot", choice="abstain")
    seen = text(client, login, trustees[1], vote)
    assert "You voted abstain on" in seen
    assert f"You can change your abstention only while the vote is open: {OPEN_UNTIL}." in seen


def test_once_closed_nothing_promises_a_change(db, client, login, vote, trustees):
    for trustee in trustees[:3]:
        vote_action(client, login, trustee, vote, "ballot", choice="approve")
    sign_in(login, trustees[3])
    response = client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": "abstain"}, follow_redirects=True)
    seen = TextOf(response.get_data(as_text=True)).text
    assert "Your vote has been recorded." in seen and "The vote has closed: the application is approved." in seen
    assert not vote.is_open
    for promise in CHANGE_PROMISES + (OPEN_UNTIL, OLD_PROMISE):
        assert promise not in seen.lower()


# The chair facing a tie


@pytest.mark.parametrize("chair_voted", [True, False], ids=["every trustee voted", "closed by hand at the deadline"])
def test_a_chair_facing_a_tie_has_one_primary_action(db, client, login, vote, trustees, officer, chair_voted):
    chair = trustees[0]
    choices = ["approve", "decline", "decline"] if chair_voted else ["approve", "decline", "abstain"]
    for trustee, choice in zip(trustees[1:], choices):
        vote_action(client, login, trustee, vote, "ballot", choice=choice)
    if chair_voted:  # the chair's vote, the last, ties it: the page, not a message, tells them
        sign_in(login, chair)
        response = client.post(f"/trustees/votes/{vote.id}/ballot", data={"choice": "approve"}, follow_redirects=True)
        assert "the chair has been asked" not in response.get_data(as_text=True)
    else:
        past_deadline(vote)
        assert vote_action(client, login, officer, vote, "close").status_code == 302
    assert vote.is_open and refusal(chair, "casting_vote", vote) is None
    page = html(client, login, chair, vote)
    seen = TextOf(page).text
    assert Buttons(page).primary == ["Give my casting vote"]
    assert "The votes are tied, so your casting vote decides the application." in seen
    assert "As chair" not in seen and "Close the vote" not in seen
    own = "Change your own vote instead" if chair_voted else "Cast your own vote instead"
    assert own in seen
    hidden = [text for classes, text, inside in Buttons(page).buttons if inside and "secondary" in classes]
    assert hidden == (["Change my vote"] if chair_voted else ["Record my vote"])
    assert "You can change your vote" not in seen and OLD_PROMISE not in seen
    other = text(client, login, trustees[1], vote)
    assert "You can change your vote while the vote is open." in other
    assert f"You can change your vote {OPEN_UNTIL}" not in other


# Conflicts, and when the votes are seen


def test_the_conflict_form_says_who_sees_the_reason(db, client, login, vote, trustees):
    seen = text(client, login, trustees[1], vote)
    assert "The other trustees and the trust office will see what you write here." in seen


def test_a_trustee_who_cannot_vote_sees_the_votes_when_it_ends(db, client, login, vote, trustees, make_user):
    vote_action(client, login, trustees[1], vote, "conflict", reason="I teach there.")
    newcomer = make_user(Role.TRUSTEE, name="New Trustee")
    for trustee in (trustees[1], newcomer):
        seen = text(client, login, trustee, vote)
        assert "You will see how the trustees voted when the vote ends." in seen
        assert "once you have voted" not in seen
    seen = text(client, login, trustees[2], vote)
    assert "You will see how the other trustees voted once you have voted, or when the vote ends." in seen
