"""The rungs between "hello" and a section save, under the same server and load.

The whole app with two pages of its own: a signed-in request that answers a word (the
session, the user's load, the security headers and the commit every request pays) and a
signed-in empty page in the site's layout (that plus the GOV.UK page template). The
report shows each beside "hello", so a reader sees where a save's time goes.
"""

from flask import render_template
from flask_login import current_user, login_required

from workflow import create_app

app = create_app()
EMPTY_PAGE = app.jinja_env.from_string('{% extends "base.html" %}{% block content %}<p>Signed-in floor</p>{% endblock %}')


@app.route("/floor/signed-in")
@login_required
def signed_in():
    return f"signed in as {current_user.name}"


@app.route("/floor/page")
@login_required
def page():
    return render_template(EMPTY_PAGE)
