"""Applying one lifecycle transition: guard, compare-and-set, audit event.

Every operation that moves an application calls `apply_transition`; it is the
only code that writes `Application.state`.
"""

from sqlalchemy import update

from ..audit.operations import record_event
from ..errors import NotAllowed, WrongState
from ..extensions import db
from ..types import utcnow
from .lifecycle import TRANSITIONS, Action, Actor, State, actors_for, role_allows, state_allows
from .models import Application

STATE_REFUSALS = {
    Action.SUBMIT: "This application has already been submitted.",
    Action.TAKE: "This application has already been taken by an officer, or is no longer waiting.",
    Action.REQUEST_INFORMATION: "Information can only be requested while the application is in review.",
    Action.RESPOND: "The trust office is not waiting for information on this application.",
    Action.PUT_TO_TRUSTEES: "Only an application in review can be put to the trustees.",
    Action.DEFER: "Only an application with the trustees can be deferred.",
    Action.APPROVE: "Only an application with the trustees can be decided.",
    Action.DECLINE: "Only an application with the trustees can be decided.",
    Action.WITHDRAW: "This application has already been decided or withdrawn.",
}


def check_transition(application: Application, action: Action, user=None, *, system: bool = False) -> None:
    """Refuse with 403 if the role does not allow the action, 409 if the state does not."""
    actors = {Actor.SYSTEM} if system else actors_for(user, application.organisation_id)
    if not role_allows(action, actors):
        raise NotAllowed("Your role does not allow this action on an application.")
    if not state_allows(action, application.state):
        raise WrongState(
            f"{STATE_REFUSALS[action]} It is now {application.state.label.lower()}."
        )


def apply_transition(
    application: Application,
    action: Action,
    user=None,
    *,
    system: bool = False,
    comment: str = "",
    **values,
) -> None:
    """Move the application along the lifecycle table, once, in this transaction.

    The state is compared and set in one UPDATE: when two people act at once,
    exactly one UPDATE matches and the other is told the application changed.
    """
    check_transition(application, action, user, system=system)
    source, target = application.state, TRANSITIONS[action].target
    now = utcnow()
    changed = db.session.execute(
        update(Application)
        .where(Application.id == application.id, Application.state == source)
        .values(state=target, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise WrongState(
            "Someone else changed this application while you were working on it. "
            "Nothing you did was applied: reload the page to see where it stands."
        )
    db.session.refresh(application)
    record_event(application, action.value, None if system else user, from_state=source, to_state=target, detail=comment)
    if target is State.APPROVED:
        # However the trustees decided (online vote or meeting), the partnership starts.
        from ..directory.partnerships import start_partnership

        start_partnership(application)
