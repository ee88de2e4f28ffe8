"""Blueprints, the home page and what every page's layout needs."""

from flask import Flask, has_request_context, redirect, request, url_for
from flask_login import current_user

from .accounts.views import bp as accounts
from .admin.views import bp as admin
from .admin.views import public as invitations
from .applications.lifecycle import State
from .applications.views import bp as applications
from .directory.views import bp as directory
from .hubs.views import bp as hubs
from .letters.views import bp as letters
from .organisations import members  # noqa: F401  (adds the members pages to the organisations blueprint)
from .organisations.views import bp as organisations
from .privacy.views import bp as privacy
from .reviews.views import bp as reviews
from .types import london
from .votes import meeting_views, views  # noqa: F401  (the pages on the votes blueprint)
from .votes.blueprint import bp as votes
from .widgets import draw
from .words import counted, possessive


def init_web(app: Flask) -> None:
    """Register every area's blueprint and the shared template helpers."""
    for blueprint in (accounts, applications, hubs, letters, organisations, reviews, votes, admin, invitations, directory, privacy):
        app.register_blueprint(blueprint)
    app.jinja_env.globals.update(remembered=draw, State=State)
    app.add_template_filter(counted)
    app.add_template_filter(possessive)

    @app.route("/")
    def index():
        """Each person's starting page by role."""
        if not current_user.is_authenticated:
            return redirect(url_for("hubs.home"))
        if current_user.is_staff:
            return redirect(url_for("reviews.queue"))
        if current_user.is_trustee:
            return redirect(url_for("votes.my_votes"))
        return redirect(url_for("applications.home", hub=request.args.get("hub")))

    @app.template_filter("when")
    def when(moment):
        """A stored UTC time as shown: Europe/London, day month year and time."""
        local = london(moment)
        return local.strftime("%-d %B %Y at %-I:%M%p").replace("AM", "am").replace("PM", "pm") if local else ""

    @app.template_filter("day")
    def day(moment):
        local = london(moment)
        return local.strftime("%-d %B %Y") if local else ""

    @app.context_processor
    def layout():
        """The page frame's links, built once per request: every form field's widget renders a template too."""
        if not has_request_context():  # emails rendered by `flask tick`
            return {}
        # Kept on the request, not `g`: an app context can outlive one request (tests, CLI).
        request_now = request._get_current_object()
        if not hasattr(request_now, "consort_layout"):
            request_now.consort_layout = _layout()
        return request_now.consort_layout

    def _layout() -> dict:
        return {
            "nav_items": navigation(),
            "signed_in_as": current_user.name if current_user.is_authenticated else None,
            "sign_out_url": url_for("accounts.sign_out"),
            "footer_links": [
                {"href": url_for("hubs.accessibility"), "text": "Accessibility statement"},
                {"href": url_for("hubs.privacy"), "text": "Privacy notice"},
                {"href": url_for("letters.verify"), "text": "Check a decision letter"},
            ],
            "lead_organisation": app.config["LEAD_ORGANISATION"],
        }


def navigation() -> list[dict]:
    """The header's links for the signed-in person's roles."""
    items = []
    if not current_user.is_authenticated:
        items = [("hubs.home", "Hubs"), ("directory.partners", "Partners"), ("accounts.sign_in", "Sign in"), ("accounts.register", "Create an account")]
    else:
        if current_user.is_applicant:
            items += [("applications.home", "Your applications"), ("organisations.profile", "Organisation profile"), ("directory.partnerships", "Partnerships")]
        if current_user.is_staff:
            items += [("reviews.queue", "Applications"), ("reviews.dashboard", "Dashboard"), ("votes.meetings_list", "Board meetings")]
        if current_user.is_trustee:
            items += [("votes.my_votes", "Votes")]
        items += [("accounts.account", "Your account")]
        if current_user.is_admin:
            items += [("admin.index", "Administration")]
    return [
        {"href": url_for(endpoint), "text": text, "active": request.endpoint == endpoint}
        for endpoint, text in items
    ]
