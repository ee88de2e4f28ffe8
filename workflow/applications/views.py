"""Pages of the applications area."""

from flask import Blueprint

bp = Blueprint("applications", __name__)
