"""Input fields that refuse what text from strangers should never carry."""

from __future__ import annotations

import unicodedata
from typing import Any

from marshmallow import ValidationError, fields

# Characters that show nothing: format controls (zero-width space and joiners, the byte
# order mark, bidirectional marks), white space, and the blanks of some scripts that are
# letters to Unicode but print nothing (Hangul fillers, the braille blank).
_BLANK_CATEGORIES = frozenset({"Cf", "Cc", "Zs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Bidirectional embeddings, overrides and isolates: in a name they make "gnp.exe" of
# "exe.png" wherever the name is shown without an isolate of its own (a log, an email).
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_blank(text: str) -> bool:
    """Whether a text shows nothing at all (only spaces and invisible characters)."""
    return all(
        char in _BLANK_LETTERS or unicodedata.category(char) in _BLANK_CATEGORIES for char in text
    )


class Text(fields.String):
    """A string with no NUL and no lone surrogate, trimmed, within a length bound.

    A required text (``min_length``) must show something: one made of zero-width and other
    invisible characters only is empty. ``bidi_controls=False`` refuses the characters that
    reorder the text around them (for names).
    """

    def __init__(
        self,
        *,
        max_length: int,
        min_length: int = 0,
        bidi_controls: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_length, self.min_length = max_length, min_length
        self.bidi_controls = bidi_controls
        self.metadata.setdefault("maxLength", max_length)
        if min_length:
            self.metadata.setdefault("minLength", min_length)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise ValidationError("Must not contain NUL characters.")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationError("Must be valid Unicode (no lone surrogates).") from None
        text = text.strip()
        if len(text) > self.max_length:
            raise ValidationError(f"Must be at most {self.max_length} characters.")
        if not self.bidi_controls and not _BIDI_CONTROLS.isdisjoint(text):
            raise ValidationError("Must not contain bidirectional override characters.")
        if self.min_length and is_blank(text):
            raise ValidationError("Must not be empty.")
        if len(text) < self.min_length:
            raise ValidationError(
                "Must not be empty."
                if self.min_length == 1
                else f"Must be at least {self.min_length} characters."
            )
        return text


class Id(fields.Integer):
    """A database id: in JSON an integer (not a string, not a float); in a query string,
    ``strict=False``, digits. Posts have 32-bit ids, comments ``bits=64``."""

    def __init__(self, *, strict: bool = True, bits: int = 32, **kwargs: Any) -> None:
        super().__init__(strict=strict, **kwargs)
        self.maximum = 2 ** (bits - 1) - 1
        self.metadata.setdefault("minimum", 1)
        self.metadata.setdefault("maximum", self.maximum)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        number = super()._deserialize(value, attr, data, **kwargs)
        if not 1 <= number <= self.maximum:
            raise ValidationError(f"Must be an id from 1 to {self.maximum}.")
        return number
