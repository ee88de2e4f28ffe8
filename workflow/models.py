"""Every area's models, imported together so Alembic and create_all see them all."""

from .accounts.models import Role, User, UserRole
from .applications.models import Application, ApplicationSection, Document, Message, ReferenceCounter
from .audit.models import ApplicationEvent, EventDetail
from .hubs.models import Criterion, District, Goal, Hub, Round
from .letters.models import DecisionLetter, LetterTemplate
from .notifications.models import OutboxMessage
from .organisations.models import Membership, Organisation
from .reviews.models import Assessment, Note
from .votes.models import Ballot, Conflict, Vote, VoteMember

__all__ = [
    "Application", "ApplicationEvent", "ApplicationSection", "Assessment", "Ballot",
    "Conflict", "Criterion", "DecisionLetter", "District", "Document", "EventDetail",
    "Goal", "Hub", "LetterTemplate", "Membership", "Message", "Note", "Organisation",
    "OutboxMessage", "ReferenceCounter", "Role", "Round", "User", "UserRole", "Vote",
    "VoteMember",
]
