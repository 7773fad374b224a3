"""The pages in a real browser: Debian's Chromium, driven by Playwright, against the app served
on loopback. Reading a nested thread and following a quote, replying, flagging, and a
moderator hiding a flagged comment, which readers then no longer see and the log records.

Each test saves a screenshot of its pages when it fails (see conftest.new_page)."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import CHAIN

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips (or, in CI, fails) with the reason
    expect = None


def thread_url(discussion) -> str:
    return f"/posts/{discussion['post']}"


def test_reader_opens_a_nested_thread_and_follows_a_quote_to_its_source(page, discussion):
    page.goto(thread_url(discussion))
    expect(page.get_by_role("heading", level=1)).to_have_text("A nested discussion")
    ada, ben, cy = (page.locator(f"#c{discussion[key]}") for key in ("1", "2", "3"))
    expect(cy).to_be_visible()
    # Replies are indented under their parents.
    assert ada.bounding_box()["x"] < ben.bounding_box()["x"] < cy.bounding_box()["x"]
    expect(ben.locator("blockquote")).to_contain_text("enough words to be quoted")
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    ben.locator("p.quote-source").get_by_role("link", name="Ada").click()
    expect(page).to_have_url(re.compile(f"#c{discussion['1']}$"))
    expect(ada).to_be_in_viewport()
    assert ada.evaluate("element => element.matches(':target')")
    # A branch collapses.
    page.locator(f"#c{discussion['1']} + details.branch > summary").click()
    expect(ben).to_be_hidden()
    # The deep chain continues on the comment's own page.
    page.get_by_role("link", name=re.compile("Continue this thread")).click()
    expect(page).to_have_url(re.compile(f"/comments/{discussion['d9']}#c{discussion['d9']}$"))
    expect(page.locator(f"#c{discussion[f'd{CHAIN}']}")).to_be_visible()
    expect(page.locator(f"#c{discussion['d9']}")).to_have_class(re.compile("is-focus"))


def test_reader_replies_and_sees_the_reply(page, discussion):
    page.goto(thread_url(discussion))
    cy = page.locator(f"#c{discussion['3']}")
    cy.locator("details.reply-action > summary").click()
    form = cy.locator("form.reply-form")
    expect(form.get_by_label("Your comment")).to_be_focused()
    form.get_by_label("Your comment").fill("Replying from a real browser.")
    form.get_by_label("Name").fill("Gus")
    form.get_by_role("button", name="Post reply").click()
    expect(page.locator(".flashes")).to_have_text("Your comment is published.")
    expect(page).to_have_url(re.compile(r"#c\d+$"))
    mine = page.locator("article.comment", has_text="Replying from a real browser.")
    expect(mine).to_be_visible()
    expect(mine).to_contain_text("Gus")
    assert mine.evaluate("element => element.matches(':target')")


def test_reply_held_for_moderation_shows_the_notice(page, discussion, app, monkeypatch):
    monkeypatch.setitem(app.config, "MODERATION_KEYS", ["phone number list"])
    page.goto(thread_url(discussion))
    form = page.locator("#respond form")
    form.get_by_label("Your comment").fill("Who wants my phone number list?")
    form.get_by_label("Name").fill("Hal")
    form.get_by_label("Email").fill("hal@example.org")
    form.get_by_role("button", name="Post comment").click()
    expect(page.locator(".flashes")).to_contain_text("awaits moderation")
    expect(page.get_by_text("Who wants my phone number list?")).to_have_count(0)


def test_reader_quotes_a_selected_passage(page, discussion):
    page.goto(thread_url(discussion))
    ben = page.locator(f"#c{discussion['2']}")
    ben.locator("details.reply-action > summary").click()
    # Select words in Ada's comment, as a reader would with the mouse.
    page.locator(f"#c{discussion['1']} .comment-text p").evaluate(
        """paragraph => {
            const range = document.createRange();
            range.setStart(paragraph.firstChild, 4);
            range.setEnd(paragraph.firstChild, 43);
            getSelection().removeAllRanges();
            getSelection().addRange(range);
        }"""
    )
    form = ben.locator("form.reply-form")
    form.get_by_role("button", name="Quote selected text").click()
    expect(form.get_by_label("Quote")).to_have_value("first comment of this thread has enough")
    form.get_by_label("Your comment").fill("Quoting Ada from Ben's branch.")
    form.get_by_label("Name").fill("Quinn")
    form.get_by_role("button", name="Post reply").click()
    mine = page.locator("article.comment", has_text="Quoting Ada from Ben's branch.")
    expect(mine.locator("blockquote")).to_contain_text("first comment of this thread")
    mine.locator("p.quote-source").get_by_role("link", name="Ada").click()
    expect(page).to_have_url(re.compile(f"#c{discussion['1']}$"))


def test_reader_flags_a_comment_with_a_reason(page, discussion):
    page.goto(thread_url(discussion))
    cy = page.locator(f"#c{discussion['3']}")
    cy.locator("details.flag-action > summary").click()
    cy.get_by_label("Abusive or hateful").check()
    cy.get_by_label("Note for the moderators").fill("Needlessly rude.")
    cy.get_by_role("button", name="Send flag").click()
    expect(page.locator(".flashes")).to_contain_text("A moderator will look at this comment")
    expect(page).to_have_url(re.compile(f"#c{discussion['3']}$"))


def flag(page, discussion, key: str) -> None:
    page.goto(thread_url(discussion))
    comment = page.locator(f"#c{discussion[key]}")
    comment.locator("details.flag-action > summary").click()
    comment.get_by_label("Spam or advertising").check()
    comment.get_by_role("button", name="Send flag").click()
    expect(page.locator(".flashes")).to_contain_text("Thank you")


def test_moderator_hides_a_flagged_comment_readers_lose_it_and_the_log_shows_it(
    new_page, discussion, moderator_token
):
    reader = new_page()
    flag(reader, discussion, "3")
    expect(reader.locator(f"#c{discussion['3']}")).to_be_visible()

    moderator = new_page()
    moderator.goto("/moderation")
    expect(moderator).to_have_url(re.compile("/moderation/sign-in"))
    moderator.get_by_label("Moderator token").fill(moderator_token)
    moderator.get_by_role("button", name="Sign in").click()
    expect(moderator.locator(".flashes")).to_have_text("Signed in as mia.")
    moderator.get_by_role("navigation", name="Queues").get_by_role("link", name="Flagged").click()
    item = moderator.locator(f"#q{discussion['3']}")
    expect(item).to_contain_text("1 open flag")
    expect(item).to_contain_text("Agreed with Ben.")
    item.get_by_role("button", name="Hide").click()
    expect(moderator.locator(".flashes")).to_contain_text(f"Hidden: comment #{discussion['3']}")
    expect(moderator.locator(f"#q{discussion['3']}")).to_have_count(0)

    reader.reload()
    expect(reader.locator(f"#c{discussion['3']}")).to_have_count(0)
    expect(reader.get_by_text("Agreed with Ben.")).to_have_count(0)
    expect(reader.locator(f"#c{discussion['2']}")).to_be_visible()

    moderator.get_by_role("navigation", name="Moderation").get_by_role("link", name="Log").click()
    row = moderator.locator("table.log tbody tr").first
    expect(row).to_contain_text("mia")
    expect(row).to_contain_text("hide")
    expect(row).to_contain_text(f"comment #{discussion['3']}")
    expect(row).to_contain_text("approved → hidden")


def test_bulk_selection_in_the_queue(new_page, discussion, moderator_token):
    moderator = new_page()
    moderator.goto("/moderation/sign-in")
    moderator.get_by_label("Moderator token").fill(moderator_token)
    moderator.get_by_role("button", name="Sign in").click()
    moderator.goto("/moderation?status=spam")
    moderator.get_by_label("Select all").check()
    checkbox = moderator.get_by_role("checkbox", name=f"#{discussion['4']} by Spammer")
    expect(checkbox).to_be_checked()
    moderator.get_by_label("With the selected:").select_option("approve")
    moderator.get_by_role("button", name="Apply").click()
    expect(moderator.locator(".flashes")).to_contain_text(f"Approved: comment #{discussion['4']}")
    moderator.get_by_role("button", name="Sign out").click()
    expect(moderator.get_by_role("heading", level=1)).to_have_text("Sign in to moderate")


def test_replying_works_without_javascript(new_page, discussion):
    page = new_page(java_script_enabled=False)
    page.goto(thread_url(discussion))
    ada = page.locator(f"#c{discussion['1']}")
    expect(ada.locator("[data-quote-helper]")).to_be_hidden()
    ada.locator("details.reply-action > summary").click()
    form = ada.locator("form.reply-form")
    form.get_by_label("Quote").fill("enough words to be quoted")
    form.get_by_label("Your comment").fill("No script needed.")
    form.get_by_label("Name").fill("Nell")
    form.get_by_role("button", name="Post reply").click()
    expect(page.locator(".flashes")).to_have_text("Your comment is published.")
    mine = page.locator("article.comment", has_text="No script needed.")
    expect(mine.locator("p.quote-source")).to_contain_text("Ada")


def test_pages_load_without_errors_or_policy_violations(page, discussion):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    for path in ("/", thread_url(discussion), f"/comments/{discussion['2']}", "/?q=nested"):
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
    assert problems == []


@pytest.mark.parametrize(("scheme", "dark"), [("light", False), ("dark", True)])
def test_colours_follow_the_system_setting(new_page, discussion, scheme, dark):
    page = new_page(color_scheme=scheme)
    page.goto(thread_url(discussion))
    red, green, blue = map(
        int,
        re.findall(r"\d+", page.evaluate("getComputedStyle(document.body).backgroundColor"))[:3],
    )
    assert (red + green + blue < 150) is dark


def test_a_phone_can_read_the_deepest_branch_without_scrolling_sideways(new_page, discussion):
    page = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    for path in ("/", thread_url(discussion), f"/comments/{discussion['d9']}"):
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    # Eight levels below the comment, the text still has most of the screen.
    deepest = page.locator(f"#c{discussion[f'd{CHAIN}']} .comment-text")
    assert deepest.bounding_box()["width"] > 240


def test_the_keyboard_reaches_the_content_and_the_forms(page, discussion):
    page.goto(thread_url(discussion))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#main$"))
    summary = page.locator(f"#c{discussion['1']} details.reply-action > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#c{discussion['1']} form.reply-form textarea").first).to_be_focused()
