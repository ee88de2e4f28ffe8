"""Loading hubs from a configuration file (SPEC 2)."""

import re
import tomllib
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from config import BASE_DIR

from ..extensions import db
from .images import ImageRefused, put_image
from .models import Criterion, District, Goal, Hub, ImageKind, Round

DEFAULT_CRITERIA = (
    "Complements the existing partners",
    "Serves the hub's goals",
    "Safeguarding in place",
    "The in-kind contribution",
    "Capacity and quality",
    "Reach: districts and under-served groups",
)

HUB_FIELDS = (
    "name", "reference_prefix", "introduction", "commitments", "how_to_apply", "contact",
    "address", "charity_number", "company_number", "partnership_term_years", "open_all_year",
)
#: The configuration's image paths, and the image each one fills.
IMAGE_FIELDS = {"logo": ImageKind.LOGO, "chair_signature": ImageKind.SIGNATURE}


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


def slug_for(name: str) -> str:
    """A web address for a hub's name: lower-case letters and numbers joined by hyphens."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:60].rstrip("-")


def slug_taken(slug: str) -> bool:
    return db.session.scalar(select(Hub.id).where(Hub.slug == slug)) is not None


def known_slug(value: str | None) -> str | None:
    """`value` if it is a hub's slug, else None: what a link may carry to choose that hub."""
    return value if value and slug_taken(value) else None


def prefix_taken(prefix: str, other_than: int | None = None) -> bool:
    """Whether another hub's references already begin with this prefix."""
    query = select(Hub.id).where(Hub.reference_prefix == prefix)
    if other_than is not None:
        query = query.where(Hub.id != other_than)
    return db.session.scalar(query) is not None


def read_configuration(path: str | Path) -> dict:
    """A hub configuration file (TOML) as data."""
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _moment(value) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)).astimezone(UTC)


def _placed(row, position: int, **values):
    row.position = position
    for name, value in values.items():
        setattr(row, name, value)
    return row


def image_file(path: str) -> Path:
    """An image named in a configuration: under the static folder, else under the project folder."""
    for folder in (Path(current_app.static_folder), BASE_DIR):
        candidate = folder / path
        if candidate.is_file():
            return candidate
    raise ValueError(f"There is no image file {path} in the static folder or the project folder.")


def _load_images(hub: Hub, entry: dict) -> None:
    for field, kind in IMAGE_FIELDS.items():
        if not entry.get(field):
            continue
        path = image_file(entry[field])
        try:
            put_image(hub, kind, path.read_bytes())
        except ImageRefused as refusal:
            raise ValueError(f"{path}: {refusal}") from None


def load_hubs(configuration: dict) -> list[Hub]:
    """Create or update each hub of a configuration, matched by slug; its images are read from their files."""
    lead = configuration.get("lead_organisation", "")
    hubs = []
    for entry in configuration["hubs"]:
        hub = db.session.scalar(select(Hub).where(Hub.slug == entry["slug"]))
        if hub is None:
            hub = Hub(slug=entry["slug"])
            db.session.add(hub)
        hub.lead_organisation = entry.get("lead_organisation", lead)
        for field in HUB_FIELDS:
            if field in entry:
                setattr(hub, field, entry[field])
        # Rows are kept by name across reloads, so answers that refer to them stay valid.
        goals = {goal.title: goal for goal in hub.goals}
        hub.goals = [
            _placed(goals.get(goal["title"]) or Goal(title=goal["title"]), n, description=goal.get("description", ""))
            for n, goal in enumerate(entry.get("goals", []), start=1)
        ]
        districts = {district.name: district for district in hub.districts}
        hub.districts = [districts.get(name) or District(name=name) for name in entry.get("districts", [])]
        criteria = {criterion.title: criterion for criterion in hub.criteria}
        hub.criteria = [
            _placed(criteria.get(title) or Criterion(title=title), n)
            for n, title in enumerate(entry.get("criteria", DEFAULT_CRITERIA), start=1)
        ]
        hub.rounds = [
            Round(name=r["name"], opens_at=_moment(r["opens_at"]), closes_at=_moment(r["closes_at"]))
            for r in entry.get("rounds", [])
        ]
        db.session.flush()
        _load_images(hub, entry)
        hubs.append(hub)
    return hubs
