"""Refusals with a page that says why: 403 wrong role, 404 not yours, 409 wrong state, 410 a dead link."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import Forbidden, Gone, HTTPException, NotFound, RequestEntityTooLarge
from werkzeug.exceptions import Conflict as _Conflict


class NotAllowed(Forbidden):
    """The person's role does not allow this action (HTTP 403)."""


class WrongState(_Conflict):
    """The object's state does not allow this action now (HTTP 409)."""


class LinkGone(Gone):
    """An emailed link that has expired, been used or was cut short (HTTP 410)."""


TITLES = {
    400: "There is a problem with the request",
    403: "You cannot do this",
    404: "Page not found",
    405: "This action is not available here",
    409: "This cannot be done now",
    410: "This link does not work",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}

DEFAULT_MESSAGES = {
    403: "Your account does not have permission to do this.",
    404: "If you typed the web address, check it is correct. "
    "If you followed a link, the page may belong to another organisation or no longer exist.",
    409: "Someone may have changed it since you loaded the page. Go back and reload to see where it stands.",
    413: "Each file must be 10 MB or smaller, and the files sent from one page 30 MB together. "
    "Your answers on this page have not been saved: go back and choose smaller files.",
    500: "Try again later. Nothing you have already saved has been lost.",
}


def init_errors(app: Flask) -> None:
    """Render every HTTP error as a page in plain words."""

    def render(status: int, description: str | None):
        message = description or DEFAULT_MESSAGES.get(status, "")
        if description and description == getattr(_default_for(status), "description", None):
            message = DEFAULT_MESSAGES.get(status, description)
        title = TITLES.get(status, "There is a problem")
        return render_template("errors/error.html", title=title, message=message, status=status), status

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return render(error.code or 500, error.description)

    @app.errorhandler(CSRFError)
    def _csrf(error):
        return render(
            400,
            "This form has expired or was sent from another site, so nothing was saved. "
            "Go back, reload the page and try again.",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(error):
        return render(413, None)

    @app.errorhandler(NotFound)
    def _not_found(error):
        return render(404, None)

    @app.errorhandler(500)
    def _server_error(error):
        return render(500, None)


def _default_for(status: int):
    return {cls.code: cls for cls in (Forbidden, NotFound, _Conflict, RequestEntityTooLarge)}.get(status)
