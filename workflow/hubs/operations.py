"""Loading hubs from a configuration file (SPEC 2)."""

import re
import tomllib
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import tomli_w
from flask import current_app
from sqlalchemy import select

from config import BASE_DIR

from ..extensions import db
from ..types import utcnow
from .definition import DefinitionError, definition_data, definition_of, fingerprint_of, parse_definition
from .images import ImageRefused, put_image
from .models import Criterion, District, FormVersion, Goal, Hub, ImageKind, Round

#: The form every hub starts with: version 1, the form Consort asked before forms were data.
STANDARD_FORM = "hubs/forms/partner-application.toml"

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
        rounds = {round_.name: round_ for round_ in hub.rounds}
        hub.rounds = [
            _placed_round(rounds.get(r["name"]) or Round(name=r["name"]), r) for r in entry.get("rounds", [])
        ]
        db.session.flush()
        _load_images(hub, entry)
        _load_forms(hub, entry)
        hubs.append(hub)
    return hubs


def _placed_round(round_: Round, entry: dict) -> Round:
    round_.opens_at, round_.closes_at = _moment(entry["opens_at"]), _moment(entry["closes_at"])
    return round_


def _load_forms(hub: Hub, entry: dict) -> None:
    """Publish the hub's form (and each round's own), where it differs from the one published."""
    publish_form(hub, form_data(entry.get("form") or STANDARD_FORM, f"hubs[{entry['slug']}].form"))
    by_name = {round_.name: round_ for round_ in hub.rounds}
    for r in entry.get("rounds", []):
        if r.get("form"):
            publish_form(hub, form_data(r["form"], f"hubs[{entry['slug']}].rounds[{r['name']}].form"), by_name[r["name"]])


# --- Forms: versions made from definitions --------------------------------------


def read_form_file(path: str | Path) -> dict:
    """A form file's definition (its [form] table); DefinitionError with the line of a TOML slip."""
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as problem:
        raise DefinitionError("", f"{path} is not valid TOML: {problem}") from None
    if not isinstance(document.get("form"), dict):
        raise DefinitionError("form", f"{path} has no [form] table")
    return document["form"]


def form_data(value, where: str) -> dict:
    """A hub entry's form: a table given in place, or the path of a form file."""
    if isinstance(value, dict):
        return value
    path = Path(value)
    if not path.is_absolute() and not path.is_file():
        path = BASE_DIR / value
    if not path.is_file():
        raise DefinitionError(where, f"there is no form file {value}")
    return read_form_file(path)


def form_toml(version: FormVersion) -> str:
    """A version's form as a form file: what `read_form_file` reads back to the same form."""
    return tomli_w.dumps({"form": definition_data(definition_of(version))})


def _keys_and_types(definition) -> dict[str, str]:
    kinds = {}
    for _, question in definition.questions():
        kinds[question.key] = question.type
        for inner in question.questions:
            kinds[f"{question.key}.{inner.key}"] = inner.type
    return kinds


def _each_key_keeps_its_type(hub: Hub, definition) -> None:
    """A key keeps its type for life: a question whose type changes needs a new key."""
    paths = {
        question.key: f"sections[{n}].questions[{m}]"
        for n, section in enumerate(definition.sections) for m, question in enumerate(section.questions)
    }
    new = _keys_and_types(definition)
    for version in hub.form_versions:
        for key, kind in _keys_and_types(definition_of(version)).items():
            if key in new and new[key] != kind:
                where = paths.get(key.split(".")[0], "")
                raise DefinitionError(
                    f"{where}.type" if where else key,
                    f"“{key}” was a {kind} question in version {version.number}: a key keeps its type for life, "
                    "so give the changed question a new key",
                )


def draft_form(hub: Hub, data: dict, round_: Round | None = None) -> FormVersion | None:
    """A new, unpublished version of the hub's form from a checked definition; None if the
    newest version for that round already asks exactly this.

    DefinitionError says where the definition is wrong; nothing is changed then.
    """
    definition = parse_definition(data)
    _each_key_keeps_its_type(hub, definition)
    stored = definition_data(definition)
    fingerprint = fingerprint_of(stored)
    same_round = [v for v in hub.form_versions if v.round_id == (round_.id if round_ else None) and v.published_at]
    if same_round and same_round[-1].fingerprint == fingerprint:
        return None
    number = max((version.number for version in hub.form_versions), default=0) + 1
    version = FormVersion(hub=hub, round=round_, number=number, definition=stored, fingerprint=fingerprint)
    db.session.add(version)
    db.session.flush()
    return version


def publish_version(version: FormVersion, user=None) -> FormVersion:
    """Publish a version: from now on it is what applicants answer, and it never changes."""
    version.published_at = utcnow()
    version.published_by_id = getattr(user, "id", None)
    db.session.flush()
    return version


def publish_form(hub: Hub, data: dict, round_: Round | None = None, user=None) -> FormVersion | None:
    """Check and publish a definition as the hub's next version; None if nothing changed."""
    version = draft_form(hub, data, round_)
    return publish_version(version, user) if version is not None else None

