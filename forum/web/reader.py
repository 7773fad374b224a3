"""Readers' pages: the archive (with search), a post with its thread, and the reply view."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, session
from marshmallow import EXCLUDE, Schema, ValidationError

from forum.errors import InvalidInput, NotFound
from forum.models import Post
from forum.schemas.comments import ThreadQuerySchema
from forum.schemas.common import PageQuerySchema
from forum.schemas.fields import Text
from forum.services import comments as comment_service
from forum.services import posts as post_service
from forum.web import queries
from forum.web.blueprints import reader_pages
from forum.web.forms import field_errors
from forum.web.trees import CONTINUE_DEPTH, authors_by_id, cut_deep_branches, split_ancestors


class ArchiveArgs(PageQuerySchema):
    class Meta:
        unknown = EXCLUDE

    q = Text(load_default="", max_length=200)


class ThreadArgs(ThreadQuerySchema):
    class Meta:
        unknown = EXCLUDE


ARCHIVE_ARGS = ArchiveArgs()
THREAD_ARGS = ThreadArgs()


def load_args(schema: Schema) -> dict[str, Any]:
    """Read the query string with a schema; a bad value is a 422 page that names it."""
    given = {name: value for name, value in request.args.items() if value.strip()}
    try:
        return schema.load(given)
    except ValidationError as error:
        wrong = "; ".join(f"{name}: {text}" for name, text in field_errors(error.messages).items())
        raise InvalidInput(f"The address has a value that does not fit ({wrong}).") from None


def check_page(page: int, pages: int) -> None:
    if page > pages:
        raise NotFound(f"There are only {pages} pages here.")


def is_open(post: Post) -> bool:
    """Whether the post takes comments (not closed at the source, not locked)."""
    return post.comments_open and post.locked_at is None


def remembered_author() -> dict[str, str]:
    """The name, email and site this browser last commented with, to fill the forms."""
    return session.get("author") or {}


@reader_pages.get("/")
def archive():
    """The archive: published posts, newest first; or the posts a search finds."""
    args = load_args(ARCHIVE_ARGS)
    per_page = current_app.config["PER_PAGE"]
    query = " ".join(args["q"].split())
    if query:
        result = queries.search_posts(query, args["page"], per_page)
    else:
        result = post_service.list_posts(args["page"], per_page)
    if result.total:
        check_page(args["page"], result.pages)
    teasers = queries.teasers([item["id"] for item in result.items])
    return render_template("web/archive.html", result=result, query=query, teasers=teasers)


@reader_pages.get("/posts/<id:post_id>")
def post(post_id: int):
    """A post, and a page of its thread: replies nested, deep branches continued elsewhere."""
    args = load_args(THREAD_ARGS)
    post = post_service.get_post(post_id)
    thread = comment_service.get_thread(
        post_id,
        sort=args["sort"],
        page=args["page"],
        per_page=current_app.config["PER_PAGE"],
        max_depth=CONTINUE_DEPTH + 1,
    )
    check_page(args["page"], thread["pages"])
    comments = cut_deep_branches(thread["comments"])
    count = post_service.comment_counts([post_id]).get(post_id, 0)
    return render_template(
        "web/post.html",
        post=post_service.post_dict(post, count, with_body=True),
        thread=thread,
        comments=comments,
        authors=authors_by_id(comments),
        open_for_replies=is_open(post),
        author=remembered_author(),
    )


@reader_pages.get("/comments/<id(bits=64):comment_id>")
def comment(comment_id: int):
    """The reply view: the comment's ancestors for context, the comment, and its replies."""
    view = comment_service.get_reply_view(comment_id, max_depth=CONTINUE_DEPTH + 1)
    post = post_service.get_post(view["post"]["id"])
    [node] = cut_deep_branches([view["comment"]])
    above, hidden, ancestors = split_ancestors(view["ancestors"])
    # The comment the thread page shows: this one, or its ancestor at the deepest level shown.
    in_thread = next(
        (a for a in view["ancestors"] if a["depth"] == CONTINUE_DEPTH),
        node if node["depth"] <= CONTINUE_DEPTH else None,
    )
    thread_page = queries.thread_page_of(comment_id, current_app.config["PER_PAGE"])
    return render_template(
        "web/comment.html",
        post=post_service.post_dict(post, 0),
        comment=node,
        ancestors=ancestors,
        above=above,
        hidden=hidden,
        in_thread=in_thread or node,
        thread_page=thread_page,
        authors=authors_by_id([*ancestors, node]),
        open_for_replies=is_open(post),
        author=remembered_author(),
    )
