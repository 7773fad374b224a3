"""Imports as jobs: moderators upload an export; a worker imports it; anyone with the
job's id and a moderator's token follows its progress and reads its report."""

from __future__ import annotations

import os
import uuid
from typing import Any

from flask import current_app, g, request, url_for
from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from forum.api import Blueprint, json_response, pagination_headers
from forum.errors import ImportFailed, InvalidInput, NotFound
from forum.extensions import db
from forum.importers import PARSERS, detect_format
from forum.jobs import enqueue, job_dict, progress_store
from forum.models import ImportJob
from forum.schemas.common import PageQuerySchema, ProblemSchema
from forum.services.moderators import authenticate
from forum.services.posts import Page

bp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/imports",
    description="Imports as background jobs (moderators)",
)


class UploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "The export or saved page."})


class UploadOptionsSchema(Schema):
    format = fields.String(load_default=None, validate=validate.OneOf(sorted(PARSERS)))
    recover = fields.Boolean(load_default=False)


class ProgressSchema(Schema):
    bytes_read = fields.Integer(required=True)
    total = fields.Integer(required=True)
    percent = fields.Float(required=True)


class ImportJobSchema(Schema):
    id = fields.Integer(required=True)
    state = fields.String(
        required=True, metadata={"description": "queued, running, succeeded, failed"}
    )
    file_name = fields.String(required=True)
    size = fields.Integer(required=True)
    format = fields.String(allow_none=True)
    progress = fields.Nested(ProgressSchema, required=True)
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    report = fields.Dict(allow_none=True, metadata={"description": "As `forum import --json`."})
    error = fields.String(allow_none=True)


class ImportJobPageSchema(Schema):
    items = fields.List(fields.Nested(ImportJobSchema), required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


@bp.before_request
def _require_moderator() -> None:
    g.moderator = authenticate(request.headers.get("Authorization"))
    # Exports are large: this endpoint alone accepts bodies up to MAX_UPLOAD_BYTES.
    request.max_content_length = current_app.config["MAX_UPLOAD_BYTES"]


def _upload_directory() -> str:
    directory = current_app.config["UPLOAD_DIR"] or os.path.join(
        current_app.instance_path, "uploads"
    )
    os.makedirs(directory, exist_ok=True)
    return directory


@bp.post("")
@bp.doc(security=[{"bearerAuth": []}])
@bp.arguments(UploadOptionsSchema, location="form")
@bp.arguments(UploadSchema, location="files")
@bp.response(202, ImportJobSchema)
@bp.alt_response(401, schema=ProblemSchema, description="No or unknown token")
@bp.alt_response(403, schema=ProblemSchema, description="Revoked token")
@bp.alt_response(413, schema=ProblemSchema, description="Larger than FORUM_MAX_UPLOAD_BYTES")
@bp.alt_response(422, schema=ProblemSchema, description="Not a file forum can import")
def create_import(options: dict[str, Any], files: dict[str, Any]):
    """Upload an export; it is imported in the background. Follow the job at its Location."""
    upload = files["file"]
    path = os.path.join(_upload_directory(), f"{uuid.uuid4().hex}.upload")
    upload.save(path)
    name = os.path.basename(upload.filename or "upload")[:200] or "upload"
    try:
        format_ = options["format"] or detect_format(path)
    except ImportFailed as failure:
        os.remove(path)
        raise InvalidInput(f"{name}: {failure.reason}") from None
    job = ImportJob(
        file_name=name,
        path=path,
        size=os.path.getsize(path),
        format=format_,
        recover=options["recover"],
        created_by=g.moderator.id,
    )
    db.session.add(job)
    db.session.commit()
    enqueue(current_app._get_current_object(), job.id)
    location = url_for("imports.get_import", job_id=job.id, _external=True)
    return json_response(job_dict(job, 0), 202, headers={"Location": location})


@bp.get("/<id:job_id>")
@bp.doc(security=[{"bearerAuth": []}])
@bp.response(200, ImportJobSchema)
@bp.alt_response(401, schema=ProblemSchema, description="No or unknown token")
@bp.alt_response(403, schema=ProblemSchema, description="Revoked token")
@bp.alt_response(404, schema=ProblemSchema, description="No such job")
def get_import(job_id: int):
    """An import job: its state, progress, and (when it has ended) its report."""
    job = db.session.get(ImportJob, job_id)
    if job is None:
        raise NotFound(f"There is no import job {job_id}.")
    return json_response(
        job_dict(job, progress_store(current_app._get_current_object()).get(job.id))
    )


@bp.get("")
@bp.doc(security=[{"bearerAuth": []}])
@bp.arguments(PageQuerySchema, location="query", as_kwargs=True)
@bp.response(200, ImportJobPageSchema)
@bp.alt_response(401, schema=ProblemSchema, description="No or unknown token")
@bp.alt_response(403, schema=ProblemSchema, description="Revoked token")
def list_imports(page: int, per_page: int):
    """Import jobs, newest first."""
    from sqlalchemy import func, select

    total = db.session.execute(select(func.count(ImportJob.id))).scalar_one()
    jobs = (
        db.session.execute(
            select(ImportJob)
            .order_by(ImportJob.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .scalars()
        .all()
    )
    store = progress_store(current_app._get_current_object())
    result = Page([job_dict(job, store.get(job.id)) for job in jobs], page, per_page, total)
    body = {
        "items": result.items,
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": result.pages,
    }
    return json_response(
        body, headers=pagination_headers("imports.list_imports", page, result.pages, total)
    )
