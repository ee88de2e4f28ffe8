"""Public pages: the hubs, the accessibility statement and the privacy notice."""

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..extensions import db
from .models import Hub

bp = Blueprint("hubs", __name__)


@bp.route("/hubs")
def home():
    hubs = db.session.scalars(select(Hub).order_by(Hub.name)).all()
    return render_template("hubs/home.html", hubs=hubs)


@bp.route("/hubs/<slug>")
def hub(slug: str):
    hub = db.session.scalar(select(Hub).where(Hub.slug == slug)) or abort(404)
    return render_template("hubs/hub.html", hub=hub)


@bp.route("/accessibility")
def accessibility():
    return render_template("hubs/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("hubs/privacy.html")
