"""Pages of the letters area."""

from flask import Blueprint

bp = Blueprint("letters", __name__)
