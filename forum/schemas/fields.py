"""Input fields that refuse what text from strangers should never carry."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields


class Text(fields.String):
    """A string with no NUL and no lone surrogate, trimmed, within a length bound."""

    def __init__(self, *, max_length: int, min_length: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length, self.min_length = max_length, min_length
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
