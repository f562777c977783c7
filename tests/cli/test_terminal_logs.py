"""Log lines in a terminal: each message once, with its level once."""

from __future__ import annotations

import pytest

from support.terminal import in_terminal
from support.tiny import TINY_ARCH


@pytest.mark.integration
def test_a_log_line_in_a_terminal_says_its_level_once(tmp_path):
    code, text = in_terminal("stages", TINY_ARCH, cwd=tmp_path)
    assert code == 0, text
    loaded = [line for line in text.splitlines() if "Loaded timm:resnet10t" in line]
    assert len(loaded) == 1, text
    assert loaded[0].split()[0] == "INFO" and "INFO:transferkit" not in loaded[0], loaded[0]
    assert loaded[0].count("INFO") == 1, loaded[0]
