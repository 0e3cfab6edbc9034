"""The final local variables of a decorated function's call, for mltrace 0.17's ``*_vars``, ``*_kwargs``,
``auto_log`` and after-tests (instrument/io_plan.py decides which names become pointers)."""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import Any

MISSING = object()


class LocalsCapture:
    """Final local variables (and the return value) of the outermost call of one code object.

    Uses ``sys.settrace`` with line events off for that frame, so other frames cost one cheap call each and the
    body is not traced line by line. Only installed when the decorator names variables to capture.
    """

    def __init__(self, code: CodeType) -> None:
        self.code = code
        self.frame: FrameType | None = None
        self.locals: dict[str, Any] = {}
        self.returned: Any = MISSING
        self._previous: Any = None

    def __enter__(self) -> LocalsCapture:
        self._previous = sys.gettrace()
        sys.settrace(self._on_call)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self._previous)

    def _on_call(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and self.frame is None and frame.f_code is self.code:
            self.frame = frame
            frame.f_trace_lines = False
            return self._on_frame_event
        if event == "call" and frame is self.frame:  # a coroutine resumed: keep following it
            return self._on_frame_event
        return self._previous(frame, event, arg) if self._previous else None

    def _on_frame_event(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "return" and frame is self.frame:
            self.locals = dict(frame.f_locals)
            self.returned = arg
        return self._on_frame_event
