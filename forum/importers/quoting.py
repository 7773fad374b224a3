"""A post's comments as a thread for finding quotes, and a process that finds them ahead.

Finding a thread's quotes reads every body of it (quotes.analyze), then the whole thread
at once (quotes.find_thread_quotes). In a big import a process of its own does both while
the file is read: the parser sends each comment as it reads it, and word when its post
ends; the bodies are analyzed as they come, so the post's quotes are found, and usually
ready, by the time the writer stores the post. The importing process, which
parses and writes, does none of that work. The quotes are exactly what the writer would
find itself: the same functions (below) shape the same comments into the same thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

from forum.models import CommentKind
from forum.quotes import Found, analyze, find_thread_quotes, forget_analyses, remember_analysis
from forum.threads import ResolvedTree, resolve_tree

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess
    from multiprocessing.queues import Queue

OLDEST = datetime.min.replace(tzinfo=UTC)
_NUMERIC_KEY = re.compile(r"\d+(?:\.\d+)*")
BATCH = 128  # comments per message to the quote process
_POLL_SECONDS = 1.0  # how often a wait for quotes checks that the process still runs

ThreadQuotes = dict[str, list[Found[str]]]


class ThreadComment(Protocol):
    """What shaping a thread reads of a comment (a CommentRecord has it all)."""

    key: str
    parent_key: str | None
    kind: CommentKind
    created_at: datetime | None
    body_raw: str


C = TypeVar("C", bound=ThreadComment)


class QuoteComment(NamedTuple):
    """A comment as the quote process needs it: a CommentRecord without the rest."""

    key: str
    parent_key: str | None
    kind: CommentKind
    created_at: datetime | None
    body_raw: str


# Shaping a thread (the writer's, and the quote process's) -------------------------------


def unique_keys(
    comments: Sequence[C], on_repeat: Callable[[str, str], None] | None = None
) -> dict[str, C]:
    """Key comments by source id; a repeated id is kept under a new key ("7~2").

    ``on_repeat(key, new_key)`` is told of each repeat.
    """
    records: dict[str, C] = {}
    for comment in comments:
        key = comment.key
        if key in records:
            number = 2
            while f"{key}~{number}" in records:
                number += 1
            if on_repeat is not None:
                on_repeat(key, f"{key}~{number}")
            key = f"{key}~{number}"
        records[key] = comment
    return records


def thread_tree(records: dict[str, C]) -> ResolvedTree[str]:
    """Resolve the comments' parent links; siblings by date, then by number."""
    return resolve_tree(
        {key: comment.parent_key for key, comment in records.items()},
        {key: _sort_key(key, comment) for key, comment in records.items()},
    )


def quote_input(
    records: dict[str, C], tree: ResolvedTree[str]
) -> list[tuple[str, str | None, str]]:
    """The thread as find_thread_quotes reads it: comments (no pingbacks), as written."""
    position = {key: at for at, key in enumerate(tree.order)}
    written = sorted(
        (key for key in tree.order if records[key].kind == CommentKind.COMMENT),
        key=lambda key: (records[key].created_at or OLDEST, position[key]),
    )
    return [(key, tree.parent[key], records[key].body_raw) for key in written]


def _sort_key(key: str, comment: ThreadComment) -> tuple[datetime, int, tuple[int, ...] | str]:
    # Numeric keys sort as numbers, and so do positional ones: "1.10" comes after "1.9".
    number: tuple[int, tuple[int, ...] | str] = (
        (0, tuple(int(part) for part in key.split(".")))
        if _NUMERIC_KEY.fullmatch(key)
        else (1, key)
    )
    return (comment.created_at or OLDEST, *number)


def _thread_quotes(comments: Sequence[QuoteComment]) -> ThreadQuotes:
    records = unique_keys(comments)
    return find_thread_quotes(quote_input(records, thread_tree(records)))


# A comment as sent to the quote process: plain values (a named tuple or an enum costs a
# Python call each to pickle or unpickle, and a big import sends many thousands).
_Sent = tuple[str, str | None, str, datetime | None, str]
_KINDS = {kind.value: kind for kind in CommentKind}


def _sent(comment: ThreadComment) -> _Sent:
    return (
        comment.key,
        comment.parent_key,
        comment.kind.value,
        comment.created_at,
        comment.body_raw,
    )


def _received(sent: _Sent) -> QuoteComment:
    key, parent_key, kind, created_at, body = sent
    return QuoteComment(key, parent_key, _KINDS[kind], created_at, body)


# The quote process ------------------------------------------------------------------------


class QuotesAhead:
    """A post's quotes, being found in the quote process; ``result()`` waits for them."""

    __slots__ = ("_worker", "_number")

    def __init__(self, worker: QuoteWorker, number: int) -> None:
        self._worker, self._number = worker, number

    def result(self) -> ThreadQuotes | None:
        """The quotes, or None if the process could not find them (the caller then does)."""
        return self._worker._result(self._number)

    def ready(self) -> bool:
        """Tell whether result() would return at once."""
        return self._worker._ready(self._number)


class QuoteWorker:
    """A process that analyzes comments as they are read and finds each post's quotes.

    Use as a context manager; leaving it stops the process.
    """

    def __init__(self, context: BaseContext) -> None:
        self._requests: Queue[tuple[Any, ...]] = context.Queue()
        self._results, sender = context.Pipe(duplex=False)
        self._process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_serve, args=(self._requests, sender), daemon=True, name="forum-quotes"
        )
        self._process.start()
        sender.close()
        self._batch: list[_Sent] = []
        self._submitted: list[ThreadComment] = []  # this post's, as sent
        self._undated: list[int] = []  # which of them had no date yet (dated at the end)
        self._sent = 0  # threads asked for
        self._done: dict[int, ThreadQuotes | None] = {}

    def __enter__(self) -> QuoteWorker:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def submit(self, comment: ThreadComment) -> None:
        """Send a comment of the post being read, to be analyzed (in batches)."""
        if comment.created_at is None:
            self._undated.append(len(self._submitted))
        self._submitted.append(comment)
        self._batch.append(_sent(comment))
        if len(self._batch) >= BATCH:
            self._flush()

    def thread(self, comments: Sequence[ThreadComment]) -> QuotesAhead:
        """Start finding the quotes of a post's comments: those submitted, as they are now.

        Comments that were not the ones submitted, in order, are sent again whole.
        """
        self._flush()
        self._sent += 1
        if len(comments) == len(self._submitted) and all(
            comment is submitted
            for comment, submitted in zip(comments, self._submitted, strict=True)
        ):
            dates = [(at, comments[at].created_at) for at in self._undated]
            self._requests.put(("thread", self._sent, dates, None))
        else:
            whole = [_sent(comment) for comment in comments]
            self._requests.put(("thread", self._sent, [], whole))
        self._submitted, self._undated = [], []
        return QuotesAhead(self, self._sent)

    def discard(self) -> None:
        """Forget the comments submitted since the last post (an item that is not one)."""
        if self._submitted:
            self._flush()
            self._requests.put(("discard",))
            self._submitted, self._undated = [], []

    def _flush(self) -> None:
        if self._batch:
            self._requests.put(("comments", self._batch))
            self._batch = []

    def _ready(self, number: int) -> bool:
        while number not in self._done and self._results.poll(0):
            try:
                answered, quotes = self._results.recv()
            except EOFError:
                return True  # gone: result() says so at once
            self._done[answered] = quotes
        return number in self._done or not self._process.is_alive()

    def _result(self, number: int) -> ThreadQuotes | None:
        while number not in self._done:
            if self._results.poll(_POLL_SECONDS):
                try:
                    answered, quotes = self._results.recv()
                except EOFError:
                    return None
                self._done[answered] = quotes
            elif not self._process.is_alive():
                return None
        return self._done.pop(number)

    def close(self) -> None:
        """Stop the process (at once: what it was still to do is not wanted)."""
        self._process.terminate()
        self._process.join()
        # Bodies still buffered for the process would wait for it forever.
        self._requests.cancel_join_thread()
        self._requests.close()
        self._results.close()


def _serve(requests: Queue[tuple[Any, ...]], results: Connection) -> None:
    """The quote process: analyze comments, find posts' quotes, in the order asked."""
    forget_analyses()
    comments: list[QuoteComment] = []  # the post's, so far
    while True:
        message = requests.get()
        if message[0] == "comments":
            for sent in message[1]:
                comments.append(_received(sent))
                remember_analysis(sent[4], analyze(sent[4]))
        elif message[0] == "thread":
            _kind, number, dates, whole = message
            if whole is not None:
                comments = [_received(sent) for sent in whole]
            for at, created_at in dates:
                comments[at] = comments[at]._replace(created_at=created_at)
            try:
                quotes: ThreadQuotes | None = _thread_quotes(comments)
            except Exception:  # noqa: BLE001 (the importing process then finds them itself)
                quotes = None
            results.send((number, quotes))
        elif message[0] == "discard":
            pass
        else:
            return
        if message[0] != "comments":
            # Every comment sent so far was this post's (or this item's): none is needed
            # again.
            comments = []
            forget_analyses()
