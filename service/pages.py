"""The patient's web pages: the questionnaire and the result."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
