"""Reading the API's one shape of errors in tests: {"errors": [{…, "message_zh", "message_en"}]}."""

from __future__ import annotations

from typing import Any


def message_en(body: Any) -> str:
    """The English message of an answer holding exactly one error (its Chinese one present too)."""
    assert set(body) == {"errors"}, body
    (error,) = body["errors"]
    assert error["message_zh"] and error["kind"], error
    return str(error["message_en"])
