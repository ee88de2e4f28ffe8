"""Pages of the votes area."""

from flask import Blueprint

bp = Blueprint("votes", __name__)
