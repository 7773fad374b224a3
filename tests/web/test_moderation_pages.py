"""Moderators' pages over real HTTP: signing in, the queue, actions, bans, locks and the log."""

from __future__ import annotations

import lxml.html
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Ban, Comment, CommentStatus
from forum.services.moderators import revoke_moderator
from tests.web.conftest import assert_accessible_forms

HTML = "text/html; charset=utf-8"


def page_of(response):
    assert response.headers["Content-Type"] == HTML, response.text[:300]
    return lxml.html.fromstring(response.text)


def text(element) -> str:
    return " ".join(element.text_content().split())


def status_of(comment_id: int) -> CommentStatus:
    db.session.rollback()
    return db.session.get(Comment, comment_id).status


@pytest.fixture
def desk(web, moderator_token):
    """The web client, signed in as a moderator."""
    response = web.sign_in(moderator_token)
    assert response.status_code == 303 and response.headers["Location"] == "/moderation"
    return web


def act(desk, page, **fields):
    return desk.post(
        "/moderation/actions", data={**desk.form(page, "/moderation/actions"), **fields}
    )


@pytest.mark.parametrize(
    "path", ["/moderation", "/moderation/log", "/moderation/bans", "/moderation/comments/1"]
)
def test_moderation_pages_need_a_signed_in_moderator(web, discussion, path):
    response = web.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/moderation/sign-in?next=")


def test_actions_without_signing_in_change_nothing(web, discussion):
    page = web.get("/moderation/sign-in")
    token = web.form(page, "/moderation/sign-in")["csrf_token"]
    response = web.post(
        "/moderation/actions",
        data={"csrf_token": token, "act": f"approve:{discussion['5']}"},
    )
    assert response.status_code == 303 and "/moderation/sign-in" in response.headers["Location"]
    assert status_of(discussion["5"]) == CommentStatus.PENDING


@pytest.mark.parametrize("token", ["", "not-a-token", "x" * 300])
def test_a_wrong_token_is_refused(web, discussion, moderator_token, token):
    response = web.sign_in(token)
    assert response.status_code == 401
    document = page_of(response)
    assert document.xpath("//p[@role='alert']") and document.xpath("//input[@name='token']")
    assert token not in response.text or not token
    assert web.get("/moderation").status_code == 303


def test_a_revoked_token_is_refused(web, ctx, moderator_token):
    revoke_moderator("mia")
    db.session.commit()
    response = web.sign_in(moderator_token)
    assert response.status_code == 403 and "revoked" in text(page_of(response))


def test_the_session_keeps_neither_the_token_nor_its_hash(app, desk, moderator_token):
    cookie = desk.cookies.get("session")
    saved = app.session_interface.get_signing_serializer(app).loads(cookie)
    from forum.models import Moderator

    db.session.rollback()
    stored = db.session.execute(select(Moderator.token_hash)).scalar_one()
    assert moderator_token not in str(saved) and stored not in str(saved)
    assert set(saved["moderator"]) == {"id", "key", "since"}


def test_sign_out_ends_the_session(desk):
    page = desk.get("/moderation")
    response = desk.post("/moderation/sign-out", data=desk.form(page, "/moderation/sign-out"))
    assert response.status_code == 303
    assert desk.get("/moderation").status_code == 303


def test_revoking_a_token_ends_its_sessions_at_once(desk, ctx):
    assert desk.get("/moderation").status_code == 200
    revoke_moderator("mia")
    db.session.commit()
    response = desk.get("/moderation")
    assert response.status_code == 303
    assert "session has ended" in text(page_of(desk.get(response.headers["Location"])))


def test_moderation_pages_are_never_cached(desk):
    response = desk.get("/moderation")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Security-Policy"]


def test_queue_filters_show_each_comment_with_its_context(desk, discussion):
    pending = page_of(desk.get("/moderation"))
    items = pending.xpath("//ol[@class='queue']/li/@id")
    assert items == [f"q{discussion['5']}"]
    tabs = {text(a).split()[0]: text(a).split()[1] for a in pending.xpath("//nav[@class='tabs']/a")}
    assert tabs == {"Pending": "1", "Flagged": "0", "Spam": "1", "Hidden": "0", "Deleted": "1"}
    item = pending.xpath("//li[@class='queue-item']")[0]
    assert "A nested discussion" in text(item) and "Awaiting a moderator" in text(item)
    buttons = item.xpath(".//button[@name='act']/@value")
    assert buttons == [f"{a}:{discussion['5']}" for a in ("approve", "hide", "spam", "delete")]
    spam = page_of(desk.get("/moderation?status=spam"))
    assert spam.xpath("//ol[@class='queue']/li/@id") == [f"q{discussion['4']}"]
    deleted = page_of(desk.get("/moderation?status=deleted"))
    assert deleted.xpath("//li//button[@name='act']/@value") == [f"restore:{discussion['6']}"]
    assert desk.get("/moderation?status=everything").status_code == 422
    # Past the last page (its last items were just dealt with): the last page there is.
    past = desk.get("/moderation?status=spam&page=3")
    assert past.status_code == 303 and past.headers["Location"] == "/moderation?status=spam&page=1"


def test_hiding_a_flagged_comment_hides_it_from_readers_and_is_logged(desk, web, discussion):
    thread = f"/posts/{discussion['post']}"
    page = web.get(thread)
    action = f"/comments/{discussion['3']}/flags"
    web.post(action, data={**web.form(page, action), "reason": "abuse", "note": "Rude!"})
    flagged = desk.get("/moderation?status=flagged")
    item = page_of(flagged).xpath(f"//li[@id='q{discussion['3']}']")[0]
    assert "1 open flag" in text(item) and "abuse 1" in text(item) and "Rude!" in text(item)
    response = act(desk, flagged, act=f"hide:{discussion['3']}", reason="Uncivil")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation?status=flagged"
    after = page_of(desk.get(response.headers["Location"]))
    assert f"Hidden: comment #{discussion['3']}" in text(after.xpath("//div[@class='flashes']")[0])
    assert not after.xpath("//ol[@class='queue']/li")
    assert status_of(discussion["3"]) == CommentStatus.HIDDEN
    assert not page_of(web.get(thread)).xpath(f"//article[@id='c{discussion['3']}']")
    assert web.get(f"/comments/{discussion['3']}").status_code == 404
    log = page_of(desk.get("/moderation/log"))
    row = log.xpath("//table[contains(@class, 'log')]/tbody/tr")[0]
    assert "mia" in text(row) and "hide" in text(row) and "Uncivil" in text(row)
    assert row.xpath(f".//a[@href='/moderation/comments/{discussion['3']}']")
    assert "approved → hidden" in text(row)


def test_bulk_actions_apply_to_all_or_none(desk, discussion):
    spam = desk.get("/moderation?status=spam")
    ids = [str(discussion["4"]), str(discussion["5"])]
    fields = {**desk.form(spam, "/moderation/actions"), "act": "bulk", "action": "approve"}
    response = desk.post("/moderation/actions", data={**fields, "ids": ids})
    assert response.status_code == 303
    assert status_of(discussion["4"]) == status_of(discussion["5"]) == CommentStatus.APPROVED
    # Restore applies to deleted comments only: one approved comment refuses the lot.
    refused = desk.post(
        "/moderation/actions",
        data={**fields, "action": "restore", "ids": [str(discussion["6"]), ids[0]]},
    )
    assert refused.status_code == 409 and "restore" in text(page_of(refused))
    assert status_of(discussion["6"]) == CommentStatus.DELETED
    nothing = desk.post("/moderation/actions", data=fields)
    assert nothing.status_code == 422 and "Tick one or more" in text(page_of(nothing))
    unknown = desk.post("/moderation/actions", data={**fields, "action": "burn", "ids": ids})
    assert unknown.status_code == 422


def test_restore_brings_back_a_deleted_comment(desk, discussion):
    deleted = desk.get("/moderation?status=deleted")
    response = act(desk, deleted, act=f"restore:{discussion['6']}")
    assert response.status_code == 303
    assert status_of(discussion["6"]) == CommentStatus.PENDING  # trashed at the source


def test_comment_page_shows_flags_history_and_locks_a_branch(desk, web, discussion):
    page = web.get(f"/posts/{discussion['post']}")
    action = f"/comments/{discussion['2']}/flags"
    web.post(action, data={**web.form(page, action), "reason": "spam"})
    detail = desk.get(f"/moderation/comments/{discussion['2']}")
    document = page_of(detail)
    assert "1 open flag" in text(document) and "Ben" in text(document)
    lock = f"/moderation/comments/{discussion['2']}/lock"
    response = desk.post(lock, data=desk.form(detail, lock))
    assert response.status_code == 303
    reply = f"/comments/{discussion['3']}/replies"
    refused = web.post(reply, data={**web.form(page, reply), "author_name": "N", "body": "Hi."})
    assert refused.status_code == 409 and "locked" in text(page_of(refused))
    history = page_of(desk.get(f"/moderation/comments/{discussion['2']}"))
    assert "lock branch by mia" in text(history)
    assert desk.get("/moderation/comments/999999").status_code == 404


def test_bans_are_added_listed_and_lifted(desk, web, discussion):
    prefilled = desk.get("/moderation/bans?kind=name&value=Spammer&reason=comment+%234")
    form = desk.form(prefilled, "/moderation/bans")
    assert form["kind"] == "name" and form["value"] == "Spammer"
    response = desk.post("/moderation/bans", data={**form, "duration": "7d"})
    assert response.status_code == 303
    listed = page_of(desk.get("/moderation/bans"))
    row = listed.xpath("//table[@class='records']/tbody/tr")[0]
    assert "spammer" in text(row) and "comment #4" in text(row) and "by mia" in text(row)
    bad = desk.post(
        "/moderation/bans", data={**form, "kind": "address", "value": "not-an-ip", "duration": ""}
    )
    assert bad.status_code == 422 and "not an IP address" in text(page_of(bad))
    empty = desk.post("/moderation/bans", data={**form, "value": "  "})
    assert empty.status_code == 422
    db.session.rollback()
    ban_id = db.session.execute(select(Ban.id)).scalar_one()
    lift = f"/moderation/bans/{ban_id}/lift"
    response = desk.post(lift, data=desk.form(desk.get("/moderation/bans"), lift))
    assert response.status_code == 303
    assert not page_of(desk.get("/moderation/bans")).xpath("//table")
    lifted = page_of(desk.get("/moderation/bans?include_lifted=true"))
    assert "lifted" in text(lifted.xpath("//table")[0])


def test_log_filters(desk, discussion):
    queue = desk.get("/moderation?status=spam")
    act(desk, queue, act=f"approve:{discussion['4']}")
    queue = desk.get("/moderation")
    act(desk, queue, act=f"delete:{discussion['5']}")
    deletes = page_of(desk.get("/moderation/log?action=delete"))
    rows = deletes.xpath("//table[contains(@class, 'log')]/tbody/tr")
    assert len(rows) == 1 and f"comment #{discussion['5']}" in text(rows[0])
    by_comment = page_of(desk.get(f"/moderation/log?comment={discussion['4']}&action="))
    assert len(by_comment.xpath("//table[contains(@class, 'log')]/tbody/tr")) == 1
    assert desk.get("/moderation/log?comment=abc").status_code == 422


def test_moderation_pages_have_labelled_forms(desk, discussion):
    for path in (
        "/moderation",
        "/moderation?status=deleted",
        "/moderation/bans",
        "/moderation/log",
        f"/moderation/comments/{discussion['5']}",
    ):
        assert_accessible_forms(page_of(desk.get(path)))
    desk.post(
        "/moderation/sign-out", data=desk.form(desk.get("/moderation"), "/moderation/sign-out")
    )
    assert_accessible_forms(page_of(desk.get("/moderation/sign-in")))
