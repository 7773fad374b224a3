"""Posts: the archive listing and one post."""

from __future__ import annotations

from flask import current_app

from forum import address_key
from forum.api import Blueprint, json_response, pagination_headers
from forum.api.comments import posted_response, reply_input
from forum.extensions import db
from forum.ratelimit import client_address, replies_limited
from forum.schemas.comments import (
    CommentCreateSchema,
    PostedCommentSchema,
    ThreadQuerySchema,
    ThreadSchema,
)
from forum.schemas.common import ProblemSchema
from forum.schemas.posts import PostPageSchema, PostQuerySchema, PostSchema
from forum.services import comments as comment_service
from forum.services import posts as post_service
from forum.services import replies as reply_service
from forum.thread_cache import conditional_response, serialized

bp = Blueprint("posts", __name__, url_prefix="/api/posts", description="Posts and their threads")


@bp.get("")
@bp.arguments(PostQuerySchema, location="query", as_kwargs=True)
@bp.response(200, PostPageSchema)
@bp.alt_response(422, schema=ProblemSchema, description="Bad query parameters")
def list_posts(page: int, per_page: int, type: str | None = None, q: str | None = None):
    """List published posts, newest first, with their comment counts."""
    result = post_service.list_posts(page, per_page, type, search=q)
    body = {
        "items": result.items,
        "page": page,
        "per_page": per_page,
        "total": result.total,
        "pages": result.pages,
    }
    return json_response(
        body, headers=pagination_headers("posts.list_posts", page, result.pages, result.total)
    )


@bp.get("/<id:post_id>")
@bp.response(200, PostSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such post")
def get_post(post_id: int):
    """Return one published post with its body."""
    post = post_service.get_post(post_id)
    count = post_service.comment_counts([post.id]).get(post.id, 0)
    return json_response(post_service.post_dict(post, count, with_body=True))


@bp.post("/<id:post_id>/comments")
@replies_limited
@bp.arguments(CommentCreateSchema)
@bp.response(201, PostedCommentSchema, description="Published")
@bp.alt_response(202, schema=PostedCommentSchema, description="Held for moderation")
@bp.alt_response(404, schema=ProblemSchema, description="No such post or parent")
@bp.alt_response(409, schema=ProblemSchema, description="Not open for replies")
@bp.alt_response(422, schema=ProblemSchema, description="Invalid comment")
@bp.alt_response(429, schema=ProblemSchema, description="Too many comments")
def create_comment(data: dict, post_id: int):
    """Post a comment on a post (top-level, or a reply with parent_id)."""
    posted = reply_service.add_reply(
        post_id=post_id,
        parent_id=data["parent_id"],
        data=reply_input(data),
        address=client_address(),
        settings=current_app.config,
        address_key=address_key(current_app),
    )
    db.session.commit()
    return posted_response(posted)


@bp.get("/<id:post_id>/comments")
@bp.arguments(ThreadQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ThreadSchema)
@bp.alt_response(404, schema=ProblemSchema, description="No such post")
@bp.alt_response(422, schema=ProblemSchema, description="Bad query parameters")
def get_thread(post_id: int, sort: str, page: int, per_page: int, max_depth: int | None = None):
    """Return a post's thread: a page of top-level comments, each with its replies nested."""
    depth = current_app.config["THREAD_MAX_DEPTH"] if max_depth is None else max_depth
    version = comment_service.readable_post(post_id).thread_version

    def build() -> dict:
        return comment_service.get_thread(
            post_id, sort=sort, page=page, per_page=per_page, max_depth=depth
        )

    # Kept while the thread's version stays: every write to the thread changes it.
    found = serialized(
        ("thread", post_id, *version, sort, page, per_page, depth),
        build,
        counts=lambda thread: (thread["total"], thread["pages"]),
    )
    headers = pagination_headers(
        "posts.get_thread", page, found.pages, found.total, post_id=post_id
    )
    return conditional_response(found, headers)
