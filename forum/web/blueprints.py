"""The two blueprints of the pages: readers' (with the static files) and moderators'."""

from __future__ import annotations

from flask import Blueprint

# Templates live under templates/web/ so their names cannot clash with another blueprint's.
reader_pages = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
moderator_pages = Blueprint(
    "web_moderation", __name__, template_folder="templates", url_prefix="/moderation"
)
