"""``mltrace serve`` on a port that is taken: one line saying so, exit 1 (not a start-up banner, then exit 3)."""

from __future__ import annotations

import socket

from tests.cli.conftest import Invoke


def test_a_busy_port_is_one_line_and_exit_1(bare_cli: Invoke) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = bare_cli("serve", "--port", str(port))
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and f"cannot listen on 127.0.0.1:{port}" in lines[0] and "in use" in lines[0], lines
    assert "Traceback" not in result.output
