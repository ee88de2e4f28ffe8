"""Security headers on every response, with a fresh CSP nonce per request, and
``Cache-Control: no-store`` on every response to someone signed in."""

import secrets

from flask import Flask, current_app, g, request
from flask_login import current_user


def csp_nonce() -> str:
    """This request's nonce for inline scripts (the page template's one script)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def cacheable(view):
    """Let a view's response keep its own caching when someone is signed in: only for
    what is the same for everyone and public anyway (a hub's public logo)."""
    view.cacheable = True
    return view


def _may_be_stored() -> bool:
    """Static files and views marked :func:`cacheable` keep their caching headers."""
    endpoint = request.endpoint or ""
    if endpoint == "static" or endpoint.endswith(".static"):
        return True
    return getattr(current_app.view_functions.get(endpoint), "cacheable", False)


def init_security_headers(app: Flask) -> None:
    """A Content Security Policy with nonces, never 'unsafe-inline', and friends; and no
    signed-in response (page, download, export, PDF) kept by a browser or proxy."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        policy = (
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not _may_be_stored() and current_user.is_authenticated:
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
