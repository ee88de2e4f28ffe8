"""Applying one lifecycle transition: compare-and-set, audit event, then what follows.

Every operation that moves an application calls `apply_transition`; it is the
only code that writes `Application.state`. Whether the person may take the action
was asked of `workflow.policy` by the view (or the CLI) before.
"""

from sqlalchemy import update

from ..audit.operations import record_event
from ..errors import WrongState
from ..extensions import db
from ..types import utcnow
from .consequences import follow
from .lifecycle import TRANSITIONS, Action
from .models import Application


def apply_transition(application: Application, action: Action, actor, *, comment: str = "", **values) -> None:
    """Move the application along the lifecycle table, once, in this transaction.

    `actor` is the person acting, or `policy.SYSTEM` for Consort itself. The state is
    compared and set in one UPDATE: when two people act at once, exactly one UPDATE
    matches and the other is told the application changed. The consequences
    registered for the target state follow.
    """
    transition = TRANSITIONS[action]
    source = application.state
    changed = db.session.execute(
        update(Application)
        .where(
            Application.id == application.id,
            Application.state == source,
            Application.state.in_(transition.sources),
        )
        .values(state=transition.target, state_changed_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise WrongState(
            "Someone else changed this application while you were working on it. "
            "Nothing you did was applied: reload the page to see where it stands."
        )
    db.session.refresh(application)
    record_event(application, action.value, actor, from_state=source, to_state=transition.target, detail=comment)
    follow(application, source, transition.target, actor)
