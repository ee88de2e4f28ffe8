"""Public pages: the hubs, the accessibility statement and the privacy notice."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..admin.settings import deployment_settings
from ..extensions import db
from ..security import cacheable
from .images import image_response
from .models import Hub

bp = Blueprint("hubs", __name__)


@bp.route("/hubs")
def home():
    """Every hub of this deployment, with its introduction and a link to its page."""
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    return render_template("hubs/home.html", hubs=hubs)


@bp.route("/hubs/<slug>")
def hub(slug: str):
    """One hub: introduction, goals, partner commitments, districts, how to apply, contact."""
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug)) or abort(404)
    return render_template("hubs/hub.html", hub=hub)


@bp.route("/hubs/<slug>/logo")
@cacheable
def logo(slug: str):
    """The hub's logo, revalidated by its digest: public, so cached even for someone signed in."""
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug)) or abort(404)
    return image_response(hub.logo_image or abort(404), public=True)


@bp.route("/accessibility")
def accessibility():
    """The accessibility statement (WCAG 2.2 AA)."""
    return render_template("hubs/accessibility.html")


@bp.route("/privacy")
def privacy():
    """The privacy notice (UK GDPR), with the anonymisation period in force."""
    return render_template("hubs/privacy.html", anonymise_after_days=deployment_settings().anonymise_after_days)
