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


def assert_cli_error(result, *words: str) -> str:
    """A CLI result that exited 2 with one 'error:' line (the last), no traceback, naming every word; return it."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.strip().splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and errors[0] == lines[-1], result.output
    for word in words:
        assert word in errors[0], result.output
    return errors[0]
