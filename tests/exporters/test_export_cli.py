"""`forum export`: to standard output or a file, some posts or all, refusing unknown ids."""

from __future__ import annotations

import orjson
from lxml import etree
from sqlalchemy import select

from forum.export_cli import export_command
from forum.extensions import db
from forum.models import Post
from tests.conftest import ROOT

DEMO = ROOT / "import" / "demo-blog.wxr.xml"


def run(app, *args: str):
    return app.test_cli_runner().invoke(export_command, list(args))


def test_json_to_standard_output(app, run_import):
    run_import(DEMO)
    result = run(app, "--format", "json")
    assert result.exit_code == 0, result.output
    document = orjson.loads(result.stdout_bytes)
    assert document["format"] == "forum-archive"
    assert len(document["posts"]) == db.session.query(Post).count()


def test_wxr_to_a_file_with_a_summary(app, run_import, tmp_path):
    run_import(DEMO)
    target = tmp_path / "site.xml"
    result = run(app, "--format", "wxr", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == b""
    assert f"{target}: " in result.stderr and " posts, " in result.stderr
    root = etree.parse(str(target)).getroot()
    assert len(root.findall("channel/item")) == db.session.query(Post).count()
    assert not list(tmp_path.glob("*.part"))


def test_some_posts_only(app, run_import):
    run_import(DEMO)
    ids = db.session.execute(select(Post.id).order_by(Post.id)).scalars().all()[:2]
    result = run(app, "--format", "json", "--post", str(ids[1]), "--post", str(ids[0]))
    assert result.exit_code == 0, result.output
    assert [post["id"] for post in orjson.loads(result.stdout_bytes)["posts"]] == ids


def test_unknown_posts_are_refused_and_nothing_is_written(app, run_import, tmp_path):
    run_import(DEMO)
    known = db.session.execute(select(Post.id)).scalars().first()
    target = tmp_path / "out.json"
    result = run(
        app,
        "--format",
        "json",
        "--post",
        str(known),
        "--post",
        "999999",
        "--post",
        "888888",
        "-o",
        str(target),
    )
    assert result.exit_code == 1
    assert "no post with id 888888, 999999" in result.stderr
    assert not target.exists()


def test_format_is_required_and_checked(app):
    assert run(app).exit_code == 2
    result = run(app, "--format", "csv")
    assert result.exit_code == 2 and "csv" in result.stderr


def test_forum_export_is_a_command_of_forum(app, run_import):
    run_import(DEMO)
    result = app.test_cli_runner().invoke(args=["export", "--format", "wxr"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>')
