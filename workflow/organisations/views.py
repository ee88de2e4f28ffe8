"""Pages of the organisations area."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)
