"""mltrace's ``Component`` with before/after ``Test`` classes, recorded on the run."""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from opentelemetry.trace import StatusCode

from mltrace_otel import semconv
from mltrace_otel.instrument.run_handle import RunHandle
from mltrace_otel.instrument.runs import _MISSING, _LocalsCapture, component_run, resolve_vars

F = TypeVar("F", bound=Callable[..., Any])


class ComponentTestFailure(AssertionError):
    """Raised after a run whose before- or after-tests failed; the run is stored as failed with each result."""


@dataclass(frozen=True)
class TestResult:
    test: str
    phase: str  # "before" or "after"
    passed: bool
    message: str = ""


class Test:
    """Subclass and write methods named ``test*``; their parameters are matched by name to the run's values
    (arguments before the body; final local variables and ``return`` after it)."""

    __test__ = False  # not a pytest test class

    def __init__(self, name: str | None = None) -> None:
        self.name = name or type(self).__name__

    def get_testables(self) -> list[str]:
        return sorted(n for n in dir(self) if n.startswith("test") and callable(getattr(self, n)))

    getTestables = get_testables  # mltrace's spelling

    def run_tests(self, phase: str = "before", **values: Any) -> list[TestResult]:
        results = []
        for method_name in self.get_testables():
            method = getattr(self, method_name)
            label = f"{self.name}.{method_name}"
            params = inspect.signature(method).parameters
            missing = [
                p.name
                for p in params.values()
                if p.default is inspect.Parameter.empty
                and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                and p.name not in values
            ]
            if missing:
                results.append(TestResult(label, phase, False, f"no value named {', '.join(missing)} to pass"))
                continue
            if any(p.kind is p.VAR_KEYWORD for p in params.values()):
                kwargs = dict(values)
            else:
                kwargs = {k: v for k, v in values.items() if k in params}
            try:
                outcome = method(**kwargs)
            except Exception as exc:
                results.append(TestResult(label, phase, False, f"{type(exc).__name__}: {exc}"))
                continue
            passed = outcome is not False  # mltrace tests assert; returning False also fails
            results.append(TestResult(label, phase, passed, "" if passed else "returned False"))
        return results

    def runTests(self, **values: Any) -> list[TestResult]:
        return self.run_tests(**values)


def _instances(tests: Iterable[type[Test] | Test]) -> list[Test]:
    return [t if isinstance(t, Test) else t() for t in tests]


def record_results(run: RunHandle, results: list[TestResult]) -> None:
    for r in results:
        run.span.add_event(
            semconv.TEST_EVENT,
            {"test": r.test, "phase": r.phase, "passed": r.passed, "message": r.message},
            timestamp=time.time_ns(),
        )


class Component:
    """A named pipeline step with metadata and data tests, as in mltrace.

    ``@component.run`` (or ``@component.run(input_vars=[...], output_vars=[...])``) records each call as a run,
    runs ``before_tests`` on the arguments first and ``after_tests`` on the final locals afterwards.
    """

    def __init__(
        self,
        name: str,
        owner: str | None = None,
        description: str | None = None,
        tags: Iterable[str] = (),
        before_tests: Iterable[type[Test] | Test] = (),
        after_tests: Iterable[type[Test] | Test] = (),
        *,
        beforeTests: Iterable[type[Test] | Test] = (),
        afterTests: Iterable[type[Test] | Test] = (),
    ) -> None:
        self.name = name
        self.owner = owner
        self.description = description
        self.tags = list(tags)
        self.before_tests = _instances([*before_tests, *beforeTests])
        self.after_tests = _instances([*after_tests, *afterTests])

    def run_before_tests(self, **values: Any) -> list[TestResult]:
        return [r for t in self.before_tests for r in t.run_tests("before", **values)]

    def run_after_tests(self, **values: Any) -> list[TestResult]:
        return [r for t in self.after_tests for r in t.run_tests("after", **values)]

    def run(
        self,
        func: F | None = None,
        *,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        input_vars: Iterable[str] = (),
        output_vars: Iterable[str] = (),
    ) -> Any:
        in_vars, out_vars = list(input_vars), list(output_vars)

        def decorate(fn: F) -> F:
            code = fn.__code__
            signature = inspect.signature(fn)

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with component_run(
                    self.name,
                    inputs=inputs,
                    outputs=outputs,
                    tags=self.tags,
                    description=self.description,
                    owner=self.owner,
                    _func=fn,
                ) as run:
                    bound = signature.bind_partial(*args, **kwargs)
                    bound.apply_defaults()
                    before = self.run_before_tests(**bound.arguments)
                    record_results(run, before)
                    _fail_on(run, before, "before")
                    capture = _LocalsCapture(code)
                    with capture:
                        result = fn(*args, **kwargs)
                    returned = None if capture.returned is _MISSING else capture.returned
                    run.add_inputs(resolve_vars(in_vars, capture.locals, capture.returned, self.name))
                    run.add_outputs(resolve_vars(out_vars, capture.locals, capture.returned, self.name))
                    after = self.run_after_tests(**{**capture.locals, "return": returned})
                    record_results(run, after)
                    _fail_on(run, after, "after")
                    return result

            return wrapper  # type: ignore[return-value]

        return decorate(func) if func is not None else decorate


def _fail_on(run: RunHandle, results: list[TestResult], phase: str) -> None:
    failed = [r for r in results if not r.passed]
    if failed:
        summary = "; ".join(f"{r.test}: {r.message}" for r in failed)
        run.span.set_status(StatusCode.ERROR, f"{len(failed)} {phase}-test(s) failed: {summary}")
        raise ComponentTestFailure(f"component {run.component!r}: {len(failed)} {phase}-test(s) failed: {summary}")
