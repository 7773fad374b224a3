"""Form input: the API's schemas, read from HTML forms, and their messages by form field."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate
from werkzeug.datastructures import MultiDict

from forum.schemas.comments import FlagCreateSchema, QuoteInputSchema, ReplyCreateSchema
from forum.schemas.fields import Id
from forum.schemas.moderation import BanCreateSchema, BulkActionSchema
from forum.services.replies import ReplyInput

# The fields of the reply form a reader's browser may remember for the next reply.
AUTHOR_FIELDS = ("author_name", "author_email", "author_url")
# Where a schema's field is not the form's field of the same name.
FORM_FIELD = {"quote": "quote_text", "ids": "ids", "_schema": "form"}


class QuoteForm(QuoteInputSchema):
    comment_id = Id(required=True, bits=64, strict=False)  # a form sends digits as text


class ReplyForm(ReplyCreateSchema):
    """A reply as the form sends it: the parent is in the address, not in the form."""

    quote = fields.Nested(QuoteForm, load_default=None, allow_none=True)


class ActionForm(BulkActionSchema):
    ids = fields.List(Id(bits=64, strict=False), required=True, validate=validate.Length(1, 500))


class BanForm(BanCreateSchema):
    post_id = Id(load_default=None, allow_none=True, strict=False)


REPLY_FORM = ReplyForm()
FLAG_FORM = FlagCreateSchema()
ACTION_FORM = ActionForm()
BAN_FORM = BanForm()


def _optional(form: MultiDict, name: str) -> str | None:
    return form.get(name, "").strip() or None


def reply_fields(form: MultiDict) -> dict[str, Any]:
    """The reply form's fields as ReplyForm reads them (empty optional fields are absent)."""
    quote = form.get("quote_text", "").strip()
    return {
        "author_name": form.get("author_name", ""),
        "body": form.get("body", ""),
        "author_email": _optional(form, "author_email"),
        "author_url": _optional(form, "author_url"),
        "homepage": _optional(form, "homepage"),
        "quote": {"comment_id": form.get("quote_of", ""), "text": quote} if quote else None,
    }


def reply_input(data: dict[str, Any]) -> ReplyInput:
    """What services.replies.add_reply takes, from a loaded ReplyForm."""
    return ReplyInput(
        author_name=data["author_name"],
        body=data["body"],
        author_email=data["author_email"],
        author_url=data["author_url"],
        quote=data["quote"],
        honeypot=data["homepage"],
    )


def flag_fields(form: MultiDict) -> dict[str, Any]:
    return {"reason": form.get("reason", ""), "note": _optional(form, "note")}


def field_errors(messages: dict[str, Any] | list[Any]) -> dict[str, str]:
    """Marshmallow's messages as one sentence per form field."""
    if not isinstance(messages, dict):
        return {"form": _sentence(messages)}
    return {FORM_FIELD.get(name, name): _sentence(found) for name, found in messages.items()}


def _sentence(found: Any) -> str:
    if isinstance(found, dict):
        return " ".join(_sentence(value) for value in found.values())
    if isinstance(found, list):
        return " ".join(_sentence(value) for value in found)
    return str(found)
