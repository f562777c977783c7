"""Small assertions shared by the tests."""

from __future__ import annotations

import pytest


def assert_one_line_error(error_type, call, *words: str) -> str:
    """`call()` raises `error_type` whose message is one line containing every word; return the message."""
    with pytest.raises(error_type) as info:
        call()
    message = str(info.value)
    assert "\n" not in message, message
    for word in words:
        assert word in message, message
    return message
