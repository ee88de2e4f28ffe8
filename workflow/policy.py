"""Who may do what: one table for every action, read through one `authorize`.

Each row of `POLICY` names an action and says, in order:

1. the roles that may take it (otherwise 403, with the row's refusal);
2. whose the object is (`sees`): someone it does not belong to is told it is not
   there (404, SPEC 1);
3. the relationship the action needs, such as the eligible trustee or the chair of
   the vote (otherwise 403, with that relationship's own refusal);
4. the states the object may be in (otherwise 409), and any other condition of the
   moment (`when`, also 409), each with its refusal.

Views call `authorize` once, before validating a form; templates ask `can`.
Operations do not check again: only `flask tick`, the CLI and bulk actions, which
have no view, call `authorize` themselves, for their actor (`SYSTEM` included).
The states an object moves between are in the lifecycle tables
(`applications/lifecycle.py`, `votes/lifecycle.py`); this table says who may move it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, g, has_app_context
from flask_login import current_user
from werkzeug.exceptions import NotFound

from .applications.lifecycle import FINAL_STATES, TRANSITIONS, Action, State
from .errors import NotAllowed, WrongState
from .types import london_today, utcnow
from .votes.lifecycle import ITEM_TRANSITIONS, MeetingStage, VoteStatus


class _System:
    """The actor of `flask tick` and of a vote closing itself: no role, no relationship."""

    is_authenticated = True
    is_system = True
    id = None
    name = "Consort"
    is_applicant = is_officer = is_admin = is_staff = is_trustee = is_chair = False

    def is_member_of(self, organisation_id) -> bool:
        return False


SYSTEM = _System()

ROLES: dict[str, Callable] = {
    "signed in": lambda user: not getattr(user, "is_system", False),
    "applicant": lambda user: user.is_applicant,
    "officer": lambda user: user.is_officer,
    "staff": lambda user: user.is_staff,
    "admin": lambda user: user.is_admin,
    "trustee": lambda user: user.is_trustee,
    "chair": lambda user: user.is_chair,
    "system": lambda user: getattr(user, "is_system", False),
}

Check = Callable[[object, object], bool]
Text = str | Callable[[object], str]


@dataclass(frozen=True)
class Need:
    """A condition of an action, and what the refusal says when it does not hold."""

    holds: Check
    refusal: Text


@dataclass(frozen=True)
class Rule:
    """One action: who may take it, on whose objects, in which states."""

    roles: frozenset[str]
    refusal: str
    sees: Check | None = None
    who: tuple[Need, ...] = ()
    states: frozenset | None = None
    wrong_state: Text = ""
    when: tuple[Need, ...] = ()
    state_of: Callable[[object], object] = lambda obj: obj.state


@dataclass(frozen=True)
class SectionOf:
    """One section of an application, as the object of editing it: otherwise the application itself."""

    application: object
    key: str
    title: str

    def __getattr__(self, name: str):
        return getattr(self.application, name)


def _text(text: Text, obj) -> str:
    return text(obj) if callable(text) else text


# Relationships: whose the object is, and who stands where.


def member(user, application) -> bool:
    """A person who acts for the organisation that applied."""
    return bool(user.is_applicant and user.is_member_of(application.organisation_id))


def member_of_organisation(user, organisation) -> bool:
    return bool(user.is_applicant and user.is_member_of(organisation.id))


def sees_application(user, application) -> bool:
    """Members see their organisation's application; staff once it is submitted; trustees once
    it has been put to them. A draft is the organisation's own until it is submitted."""
    if member(user, application):
        return True
    if application.submitted_at is None:
        return False
    return bool(user.is_staff or (user.is_trustee and application.has_been_with_trustees))


def _sees_submitted_application(user, application) -> bool:
    return application.submitted_at is not None and sees_application(user, application)


def _sees_vote(user, vote) -> bool:
    return sees_application(user, vote.application)


def _on_the_board(user, vote) -> bool:
    return vote.is_member(user)


def _not_conflicted(user, vote) -> bool:
    return not vote.is_conflicted(user)


def _chair_of_the_vote(user, vote) -> bool:
    return user.id == vote.chair_id


def _chair_eligible(user, vote) -> bool:
    return user.id in vote.eligible_ids


def _own_interest(user, interest) -> bool:
    return interest.trustee_id == user.id


def _sees_letter(user, letter) -> bool:
    return sees_application(user, letter.application)


def _invited(user, invitation) -> bool:
    return bool(user.is_applicant and user.email == invitation.email)


# Conditions of the moment (409).


def _section_open(user, section: SectionOf) -> bool:
    application = section.application
    return application.state is State.DRAFT or section.key in (application.reopened_sections or [])


def _not_yet_voted(user, vote) -> bool:
    return vote.ballot_of(user) is None


def _past_deadline(user, vote) -> bool:
    return utcnow() >= vote.deadline


def _awaiting_casting_vote(user, vote) -> bool:
    return vote.awaits_casting_vote(utcnow())


def _with_trustees(user, obj) -> bool:
    return obj.application.state is State.WITH_TRUSTEES


def _attendance_recorded(user, item) -> bool:
    return item.meeting.attendance_recorded


def _meeting_day_come(user, meeting) -> bool:
    return meeting.held_on <= london_today()


def _not_waiting_on_a_meeting(user, application) -> bool:
    return all(item.is_recorded for item in application.meeting_items)


def _submitted(user, application) -> bool:
    return application.submitted_at is not None


def _renewal_not_started(user, partnership) -> bool:
    return partnership.renewal_application_id is None


def _renewal_open(user, partnership) -> bool:
    return london_today() >= partnership.renewal_opens_on()


def _someone_left(user, organisation) -> bool:
    return len(organisation.memberships) > 1


def _has_second_factor(user, account) -> bool:
    return bool(account.has_second_factor)


def _second_factor_optional(user, account) -> bool:
    return not account.requires_second_factor


def _is_partner(user, organisation) -> bool:
    return any(application.state is State.APPROVED for application in organisation.applications)


def vote_ended(vote) -> str:
    """Why nothing more can be done on a vote that is no longer open."""
    return f"This vote has ended: it is {vote.status.label.lower()}."


def _application_now(text: str) -> Callable[[object], str]:
    def refusal(obj) -> str:
        application = getattr(obj, "application", obj)
        return f"{text} It is now {application.state.label.lower()}."

    return refusal


def _drafted(user, letter) -> bool:
    return not letter.is_issued


def _roles(*names: str) -> frozenset[str]:
    return frozenset(names)


LETTER_DRAFTED = Need(_drafted, "This letter has already been issued. An issued letter never changes.")
MEMBER = Need(member, "These pages are for the organisation that applied. Use the trust office's or the trustees' pages instead.")
ON_THE_BOARD = "Only the trustees on the board when this vote opened"
CONFLICTED = "You declared a conflict of interest on this application, so you cannot vote on it."
OFFICE_ONLY = "These pages are for the trust office's staff."
OFFICERS_ONLY = "Only an officer of the trust office can do this."
ADMINS_ONLY = "Only administrators can change how Consort is set up."
MEETINGS_BY_OFFICERS = "Only the trust office records board meetings."
LETTERS_BY_OFFICERS = "Decision letters are changed and issued by the trust office's officers. Ask an officer to do it."
BOARD_ONLY = "Board meetings, votes and board packs are for the trustees and the trust office."


def _transition(action: Action, roles: frozenset[str], refusal: str, wrong_state: str, **more) -> Rule:
    """A lifecycle transition's row: its sources come from the lifecycle table."""
    return Rule(
        roles=roles, refusal=refusal, states=TRANSITIONS[action].sources,
        wrong_state=_application_now(wrong_state), **more,
    )


APPLICANT_ACTS = dict(sees=sees_application, who=(MEMBER,))
OPEN_VOTE = dict(states=frozenset({VoteStatus.OPEN}), wrong_state=vote_ended, state_of=lambda vote: vote.status)
DRAFTED_LETTER = dict(sees=_sees_letter, when=(LETTER_DRAFTED,))
WORKED = frozenset(State) - FINAL_STATES - {State.DRAFT}
SIGNED_IN = _roles("signed in")

_ROWS: dict[str, Rule] = {
    # The applicant's application
    "start": Rule(_roles("applicant"), "Only an organisation that applies can start an application."),
    "read": Rule(SIGNED_IN, MEMBER.refusal, **APPLICANT_ACTS),
    "edit_section": Rule(
        SIGNED_IN, "Only the organisation that applied can change its answers.", **APPLICANT_ACTS,
        states=frozenset({State.DRAFT, State.INFO_REQUESTED}),
        wrong_state=_application_now("Its answers can no longer be changed."),
        when=(Need(_section_open, lambda section: f"The trust office has not asked you to change “{section.title}”."),),
    ),
    "message_office": Rule(SIGNED_IN, MEMBER.refusal, **APPLICANT_ACTS),
    Action.SUBMIT: _transition(
        Action.SUBMIT, SIGNED_IN, MEMBER.refusal, "This application has already been submitted.", **APPLICANT_ACTS
    ),
    Action.RESPOND: _transition(
        Action.RESPOND, SIGNED_IN, MEMBER.refusal,
        "The trust office is not waiting for information on this application.", **APPLICANT_ACTS,
    ),
    Action.WITHDRAW: _transition(
        Action.WITHDRAW, SIGNED_IN, MEMBER.refusal, "This application has already been decided or withdrawn.",
        **APPLICANT_ACTS,
    ),
    "download_copy": Rule(SIGNED_IN, "", sees=_sees_submitted_application),
    "download_document": Rule(SIGNED_IN, "", sees=sees_application),
    # The trust office
    "work_in_office": Rule(_roles("staff"), OFFICE_ONLY),
    "review": Rule(_roles("staff"), OFFICE_ONLY, sees=sees_application),
    # The answers as each submission and response sent them, and what changed between them: the
    # office's working record of its requests for information. Staff only, as every office page is
    # (the trustees read the application as it was put to them, on the vote and in the board pack).
    "see_revisions": Rule(_roles("staff"), OFFICE_ONLY, sees=sees_application),
    "export": Rule(_roles("staff"), OFFICE_ONLY),
    "act_in_bulk": Rule(_roles("officer"), "Only an officer can act on several applications at once."),
    Action.TAKE: _transition(
        Action.TAKE, _roles("officer"), OFFICERS_ONLY,
        "This application has already been taken by an officer, or is no longer waiting.", sees=sees_application,
    ),
    "assign": Rule(
        _roles("officer"), "Only an officer can assign applications.", sees=sees_application, states=WORKED,
        wrong_state=lambda application: f"An application that is {application.state.label.lower()} cannot be assigned.",
    ),
    "be_assigned": Rule(_roles("officer"), "Applications can only be assigned to an active officer of the trust office."),
    Action.REQUEST_INFORMATION: _transition(
        Action.REQUEST_INFORMATION, _roles("officer"), OFFICERS_ONLY,
        "Information can only be requested while the application is in review.", sees=sees_application,
    ),
    "assess": Rule(
        _roles("officer"), "Only an officer can assess applications.", sees=sees_application,
        states=frozenset({State.IN_REVIEW}),
        wrong_state=_application_now("An assessment can only be recorded while the application is in review."),
    ),
    "note": Rule(
        _roles("staff"), "Only the trust office can keep notes on an application.", sees=sees_application,
        when=(Need(_submitted, "Notes can only be kept on submitted applications."),),
    ),
    "message_applicant": Rule(_roles("staff"), "Only the trust office can message the applicant."),
    Action.PUT_TO_TRUSTEES: _transition(
        Action.PUT_TO_TRUSTEES, _roles("officer"), OFFICERS_ONLY,
        "Only an application in review can be put to the trustees.", sees=sees_application,
    ),
    # Decisions by the system: a vote closing itself, or `flask tick`
    Action.APPROVE: _transition(
        Action.APPROVE, _roles("system"), "Only the trustees' vote or a board meeting decides an application.",
        "Only an application with the trustees can be decided.",
    ),
    Action.DECLINE: _transition(
        Action.DECLINE, _roles("system"), "Only the trustees' vote or a board meeting decides an application.",
        "Only an application with the trustees can be decided.",
    ),
    Action.DEFER: _transition(
        Action.DEFER, _roles("officer", "chair", "system"), "Only an officer or the chair can defer an application.",
        "Only an application with the trustees can be deferred.", sees=sees_application,
    ),
    "close_due_vote": Rule(_roles("system"), "Votes close themselves.", **OPEN_VOTE),
    "anonymise": Rule(
        _roles("system"), "Applications are anonymised by Consort itself, after the retention period.",
        states=frozenset({State.DECLINED, State.WITHDRAWN}),
        wrong_state=_application_now("Only a declined or withdrawn application is anonymised."),
    ),
    # The trustees' votes
    "board": Rule(_roles("trustee", "staff"), BOARD_ONLY),
    "trustee_pages": Rule(_roles("trustee"), "This page is for the trustees."),
    "read_vote": Rule(_roles("trustee", "staff"), BOARD_ONLY, sees=_sees_vote),
    "see_tally": Rule(
        _roles("trustee", "staff"), BOARD_ONLY, sees=_sees_vote,
        when=(Need(lambda user, vote: user.is_staff or not vote.is_open or vote.ballot_of(user) is not None,
                   "The votes cast are shown once you have voted or the vote has ended."),),
    ),
    "ballot": Rule(
        _roles("trustee"), "Only the trustees vote.", sees=_sees_vote,
        who=(Need(_on_the_board, f"{ON_THE_BOARD} can vote on it."), Need(_not_conflicted, CONFLICTED)),
        **OPEN_VOTE,
    ),
    "declare_conflict": Rule(
        _roles("trustee"), "Only the trustees declare conflicts of interest.", sees=_sees_vote,
        who=(Need(_on_the_board, f"{ON_THE_BOARD} can declare a conflict on it."),),
        **OPEN_VOTE,
        when=(
            Need(_not_conflicted, "You have already declared a conflict of interest on this application."),
            Need(_not_yet_voted, "You have already voted. A conflict of interest is declared before voting: "
                 "contact the trust office."),
        ),
    ),
    "casting_vote": Rule(
        _roles("trustee"), "Only the chair gives a casting vote.", sees=_sees_vote,
        who=(
            Need(_chair_of_the_vote, "Only the chair of the board when this vote opened can give a casting vote."),
            Need(_chair_eligible, CONFLICTED),
        ),
        **OPEN_VOTE,
        when=(Need(_awaiting_casting_vote, "A casting vote is given only when the votes are tied once every eligible "
                   "trustee has voted or the deadline has passed, and only once."),),
    ),
    "close_vote": Rule(
        _roles("officer", "chair"), "Only an officer or the chair can close a vote.", sees=_sees_vote,
        **OPEN_VOTE,
        when=(Need(_past_deadline, "The vote closes by itself once every eligible trustee has voted; "
                   "until then it can be closed by hand only after its deadline."),),
    ),
    "defer_vote": Rule(
        _roles("officer", "chair"), "Only an officer or the chair can defer an application.", sees=_sees_vote,
        **OPEN_VOTE,
        when=(Need(_with_trustees, "Only an application with the trustees can be deferred."),),
    ),
    "keep_interests": Rule(_roles("trustee"), "The register of interests is kept by each trustee."),
    "remove_interest": Rule(_roles("trustee"), "The register of interests is kept by each trustee.", sees=_own_interest),
    # Board meetings
    "schedule_meeting": Rule(_roles("officer"), MEETINGS_BY_OFFICERS),
    "record_meeting": Rule(_roles("officer"), MEETINGS_BY_OFFICERS),
    "record_meeting_on": Rule(
        _roles("officer"), MEETINGS_BY_OFFICERS, states=frozenset({State.WITH_TRUSTEES}),
        wrong_state=_application_now("Only an application with the trustees can be decided at a meeting."),
        when=(Need(_not_waiting_on_a_meeting, "This application is on the agenda of a meeting still to be held."),),
    ),
    "add_to_agenda": Rule(
        _roles("officer"), MEETINGS_BY_OFFICERS, states=frozenset({MeetingStage.SCHEDULED}),
        wrong_state=lambda meeting: f"The board meeting on {meeting.held_on:%-d %B %Y} has been held, so nothing "
        "more can be put on its agenda. Choose an upcoming meeting.",
        state_of=lambda meeting: meeting.stage(london_today()),
    ),
    "record_attendance": Rule(
        _roles("officer"), MEETINGS_BY_OFFICERS, states=frozenset({MeetingStage.SCHEDULED, MeetingStage.DUE}),
        wrong_state="Who attended this meeting has already been recorded.",
        state_of=lambda meeting: meeting.stage(london_today()),
        when=(Need(_meeting_day_come, lambda meeting: f"The meeting is on {meeting.held_on:%-d %B %Y}: record who "
                   "attended once it has been held."),),
    ),
    "resolve": Rule(
        _roles("officer"), MEETINGS_BY_OFFICERS, states=ITEM_TRANSITIONS["resolve"].sources,
        wrong_state="This item's resolution has already been recorded.", state_of=lambda item: item.result,
        when=(
            Need(_attendance_recorded, "Record who attended the meeting before its resolutions."),
            Need(_with_trustees, lambda item: f"{item.application.reference} is no longer with the trustees."),
        ),
    ),
    "defer_item": Rule(
        _roles("officer"), MEETINGS_BY_OFFICERS, states=ITEM_TRANSITIONS["defer_item"].sources,
        wrong_state="This item's resolution has already been recorded.", state_of=lambda item: item.result,
        when=(Need(_with_trustees, lambda item: f"{item.application.reference} is no longer with the trustees."),),
    ),
    # Decision letters
    "prepare_letter": Rule(
        _roles("staff"), "Decision letters are prepared and issued by the trust office's staff.", sees=_sees_letter,
    ),
    "edit_letter": Rule(
        _roles("officer"), LETTERS_BY_OFFICERS, **DRAFTED_LETTER,
    ),
    "issue_letter": Rule(
        _roles("officer"), LETTERS_BY_OFFICERS, **DRAFTED_LETTER,
    ),
    "download_letter": Rule(SIGNED_IN, "", sees=lambda user, letter: letter.is_issued and _sees_letter(user, letter)),
    "edit_letter_template": Rule(_roles("admin"), "Only an admin can see and change letter templates."),
    # Organisations, their members and their data
    "choose_organisation": Rule(_roles("applicant"), "These pages are for the organisations that apply."),
    "edit_profile": Rule(
        _roles("applicant"), "Organisation profiles are kept by the organisations that apply.",
        sees=member_of_organisation,
    ),
    "manage_members": Rule(
        _roles("applicant"), "Members are managed by the organisations that apply.", sees=member_of_organisation,
    ),
    "remove_member": Rule(
        _roles("applicant"), "Members are managed by the organisations that apply.", sees=member_of_organisation,
        when=(Need(_someone_left, "The last member cannot leave: invite a colleague to take over first."),),
    ),
    "accept_invitation": Rule(
        _roles("applicant"), "Only an applicant's account can accept an invitation: office and board accounts "
        "cannot act for an organisation.",
        who=(Need(_invited, lambda invitation: f"Only the account for {invitation.email} can accept this invitation."),),
    ),
    "export_data": Rule(
        _roles("applicant"), "Only the people who act for an organisation can download its data.",
        sees=member_of_organisation,
    ),
    # The partner directory and partnerships
    "see_partnerships": Rule(_roles("applicant"), "Partnerships are shown to the organisations that hold them."),
    "edit_entry": Rule(
        _roles("applicant"), "A partner's directory entry is kept by the people who act for it.",
        sees=member_of_organisation,
        when=(Need(_is_partner, "Your organisation has a directory entry once it is an approved partner."),),
    ),
    "hide_entry": Rule(_roles("staff"), "Only the trust office can hide a partner from the directory, or show it."),
    "see_hidden_entries": Rule(_roles("staff"), "Only the trust office sees partners hidden from the directory."),
    "renew": Rule(
        _roles("applicant"), "A partnership is renewed by the people who act for the partner.",
        sees=member,
        when=(
            Need(_renewal_not_started, "A renewal has already been started for this partnership."),
            Need(_renewal_open, lambda partnership: f"This partnership can be renewed from "
                 f"{partnership.renewal_opens_on():%-d %B %Y}, near the end of its term."),
        ),
    ),
    # Accounts
    "turn_off_second_factor": Rule(
        _roles("applicant"), "Two-factor sign-in is required for the trust office and the trustees.",
        when=(Need(_has_second_factor, "Two-factor sign-in is not turned on."),
              Need(_second_factor_optional, "Two-factor sign-in is required for your account.")),
    ),
    # Administration
    "administer": Rule(_roles("admin"), ADMINS_ONLY),
    "edit_hub": Rule(_roles("admin"), ADMINS_ONLY),
    "publish_form": Rule(
        _roles("admin", "system"), "Only an admin can publish a hub's application form.",
        states=frozenset({"draft"}), state_of=lambda version: version.state,
        wrong_state="This version of the form is already published, and a published version never changes: "
        "make a new version instead.",
    ),
    "change_rounds": Rule(_roles("admin"), ADMINS_ONLY),
    "change_settings": Rule(_roles("admin"), ADMINS_ONLY),
    "invite_staff": Rule(_roles("admin"), ADMINS_ONLY),
    "change_roles": Rule(_roles("admin"), ADMINS_ONLY),
    "switch_account": Rule(_roles("admin"), ADMINS_ONLY),
    "see_activity": Rule(_roles("admin"), ADMINS_ONLY),
}


POLICY: dict[str, Rule] = {getattr(action, "value", action): rule for action, rule in _ROWS.items()}


def _refusal(user, action: str, obj=None) -> NotFound | NotAllowed | WrongState | None:
    rule = POLICY[getattr(action, "value", action)]
    if user is None or not user.is_authenticated or not any(ROLES[role](user) for role in rule.roles):
        return NotAllowed(rule.refusal)
    system = getattr(user, "is_system", False)
    if not system and rule.sees is not None and not rule.sees(user, obj):
        return NotFound()
    for need in () if system else rule.who:
        if not need.holds(user, obj):
            return NotAllowed(_text(need.refusal, obj))
    if rule.states is not None and rule.state_of(obj) not in rule.states:
        return WrongState(_text(rule.wrong_state, obj))
    for need in rule.when:
        if not need.holds(user, obj):
            return WrongState(_text(need.refusal, obj))
    return None


def refusal(user, action: str, obj=None) -> NotFound | NotAllowed | WrongState | None:
    """Why `user` may not take `action` on `obj` now, as the HTTP error to answer; None if they may.

    For a view that shows the refusal on its own page instead of answering with it. The
    request remembers what it asked (`g.policy_asked`), so tests can check that each view
    asks once, for the action its route is for.
    """
    if has_app_context():
        g.setdefault("policy_asked", []).append(getattr(action, "value", action))
    return _refusal(user, action, obj)


def authorize(user, action: str, obj=None) -> None:
    """Refuse (404, 403 or 409, SPEC 1) unless `user` may take `action` on `obj` now."""
    refused = refusal(user, action, obj)
    if refused is not None:
        raise refused


def still(user, action: str, obj=None) -> None:
    """Under a row lock, in an operation whose view has asked: refuse if what allowed the
    action stopped holding while the request waited for the lock (another request changed
    the object). A race guard in the table's own words; not remembered as asking."""
    refused = _refusal(user, action, obj)
    if refused is not None:
        raise refused


def can(action: str, obj=None, user=None) -> bool:
    """Whether the signed-in person (or `user`) may take `action` on `obj` now: for templates."""
    return _refusal(current_user if user is None else user, action, obj) is None


def init_policy(app: Flask) -> None:
    """Let templates ask `can(action, obj)`, and name a section of an application as its object."""
    app.jinja_env.globals.update(can=can, section_of=lambda application, key: SectionOf(application, key, key))

