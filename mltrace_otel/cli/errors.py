"""How the CLI words the errors of mltrace_otel/errors.py, its own and a server's alike: the fact, then what to
type next."""

from __future__ import annotations

from mltrace_otel.errors import MltraceError

# What to run to find a valid key, by the subject of a NOT_FOUND error.
_NEXT_STEP = {
    "run": "list ids with `mltrace recent`",
    "component": "list components with `mltrace components`",
}


def worded(code: str | None, subject: str | None, fact: str) -> str:
    step = _NEXT_STEP.get(subject or "") if code == "NOT_FOUND" else None
    return f"{fact}; {step}" if step else fact


def cli_message(error: MltraceError) -> str:
    return worded(error.code, error.subject, str(error))
