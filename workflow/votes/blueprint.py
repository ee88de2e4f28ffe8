"""The votes blueprint: the trustees' pages (views.py) and the board meetings' (meeting_views.py)."""

from flask import Blueprint

bp = Blueprint("votes", __name__)
