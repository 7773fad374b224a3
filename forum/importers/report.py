"""The import report: what an import did, for people (the CLI's summary) and scripts (--json)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_WARNINGS = 200


@dataclass
class Report:
    """What an import did, for people (the CLI's summary) and scripts (--json)."""

    file: str
    format: str
    dry_run: bool = False
    run_id: int | None = None
    posts: Counter[str] = field(default_factory=Counter)
    posts_by_status: Counter[str] = field(default_factory=Counter)
    posts_by_type: Counter[str] = field(default_factory=Counter)
    comments: Counter[str] = field(default_factory=Counter)
    comments_by_status: Counter[str] = field(default_factory=Counter)
    comments_by_kind: Counter[str] = field(default_factory=Counter)
    authors: Counter[str] = field(default_factory=Counter)
    terms: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    warning_count: int = 0
    repairs: list[str] = field(default_factory=list)
    paragraphs_dropped: int = 0  # repeated paragraphs of saved pages, kept once
    quotes: Counter[str] = field(default_factory=Counter)  # total, created, removed
    held_for_moderation: int = 0  # posts and comments a moderation phrase held
    marked_spam: int = 0  # comments a disallowed phrase marked as spam
    findings: list[dict[str, Any]] = field(default_factory=list)  # which, and why
    seconds: float = 0.0

    def warn(self, message: str, line: int | None = None) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append({"message": message, "line": line})

    def found_phrase(self, what: str, where: str, status: str, reason: str) -> None:
        """Count a post or comment that a phrase list held or marked as spam."""
        if status == "spam":
            self.marked_spam += 1
        else:
            self.held_for_moderation += 1
        if len(self.findings) < MAX_WARNINGS:
            self.findings.append({"what": what, "where": where, "status": status, "reason": reason})

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "damaged": bool(self.repairs),
            "repairs": self.repairs[:MAX_WARNINGS],
            "posts": {
                "total": sum(self.posts_by_status.values()),
                **_counts(self.posts, ("created", "updated", "unchanged", "attached")),
                "by_status": dict(sorted(self.posts_by_status.items())),
                "by_type": dict(sorted(self.posts_by_type.items())),
            },
            "comments": {
                "total": sum(self.comments_by_status.values()),
                **_counts(self.comments, ("created", "updated", "unchanged", "merged")),
                "by_status": dict(sorted(self.comments_by_status.items())),
                "by_kind": dict(sorted(self.comments_by_kind.items())),
            },
            "authors": _counts(self.authors, ("created", "existing")),
            "terms": _counts(self.terms, ("created", "existing")),
            "skipped": dict(sorted(self.skipped.items())),
            "paragraphs_dropped": self.paragraphs_dropped,
            "quotes": _counts(self.quotes, ("total", "created", "removed")),
            "held_for_moderation": self.held_for_moderation,
            "marked_spam": self.marked_spam,
            "findings": self.findings,
            "warnings": self.warnings,
            "warning_count": self.warning_count,
            "seconds": round(self.seconds, 3),
        }


def _counts(counter: Counter[str], names: Iterable[str]) -> dict[str, int]:
    return {name: counter[name] for name in names}
