"""mltrace's ``Component`` with before/after ``Test`` classes, recorded on the run."""

from __future__ import annotations

import functools
import inspect
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from opentelemetry.trace import StatusCode

from mltrace_otel import semconv
from mltrace_otel.entities.base import Entity
from mltrace_otel.instrument.io_plan import IOPlan
from mltrace_otel.instrument.locals_capture import MISSING, LocalsCapture
from mltrace_otel.instrument.run_handle import RunHandle
from mltrace_otel.instrument.runs import component_run, threshold_attributes

F = TypeVar("F", bound=Callable[..., Any])
TestLike: TypeAlias = "type[Test] | Test"


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

    def __init__(self, name: str = "") -> None:
        self.name = name or type(self).__name__

    def get_testables(self) -> list[str]:
        return sorted(n for n in dir(self) if n.startswith("test") and callable(getattr(self, n)))

    getTestables = get_testables  # mltrace's spelling

    def getTestMethods(self) -> list[Callable[..., Any]]:  # mltrace's name
        """The bound ``test*`` methods, by name (mltrace 0.17)."""
        return [getattr(self, n) for n in self.get_testables()]

    @staticmethod
    def _arguments(method: Callable[..., Any], values: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The values ``method`` takes, and the parameters it needs that no value is named for."""
        params = inspect.signature(method).parameters
        missing = [
            p.name
            for p in params.values()
            if p.default is inspect.Parameter.empty
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            and p.name not in values
        ]
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return dict(values), missing
        return {k: v for k, v in values.items() if k in params}, missing

    def run_tests(self, phase: str = "before", **values: Any) -> list[TestResult]:
        """Run every test on the values; each result is recorded, none raises."""
        results = []
        for method_name in self.get_testables():
            method = getattr(self, method_name)
            label = f"{self.name}.{method_name}"
            kwargs, missing = self._arguments(method, values)
            if missing:
                results.append(TestResult(label, phase, False, f"no value named {', '.join(missing)} to pass"))
                continue
            try:
                outcome = method(**kwargs)
            except Exception as exc:
                results.append(TestResult(label, phase, False, f"{type(exc).__name__}: {exc}"))
                continue
            passed = outcome is not False  # mltrace tests assert; returning False also fails
            results.append(TestResult(label, phase, passed, "" if passed else "returned False"))
        return results

    def runTests(self, **values: Any) -> None:  # mltrace's name
        """mltrace 0.17's: call every test with the values it names; the first failure raises its own error."""
        for method in self.getTestMethods():
            kwargs, _ = self._arguments(method, values)
            if method(**kwargs) is False:
                raise AssertionError(f"{self.name}.{method.__name__} returned False")


def _instances(tests: Iterable[TestLike]) -> list[Test]:
    found = []
    for t in tests:
        if isinstance(t, Test):
            found.append(t)
        elif isinstance(t, type) and issubclass(t, Test):
            found.append(t())
        else:
            raise TypeError(f"a component's tests must be Test subclasses or instances (got {t!r})")
    return found


def record_results(run: RunHandle, results: list[TestResult]) -> None:
    for r in results:
        run.span.add_event(
            semconv.TEST_EVENT,
            {"test": r.test, "phase": r.phase, "passed": r.passed, "message": r.message},
            timestamp=time.time_ns(),
        )


class Component(Entity):
    """A named pipeline step with metadata and data tests, as in mltrace 0.17 (its arguments, in its order).

    ``@component.run`` (or ``@component.run(input_vars=[...], output_vars=[...], ...)``, ``register``'s
    arguments) records each call as a run, runs ``beforeTests`` on the arguments first and ``afterTests`` on the
    final locals afterwards. Test results are recorded on the run; a failing test fails the run and raises
    ``ComponentTestFailure``. Properties are read-only; ``repr`` is JSON.
    """

    FIELDS = ("name", "owner", "description", "tags", "beforeTests", "afterTests")

    def __init__(
        self,
        name: str = "",
        owner: str | None = "",
        description: str | None = "",
        beforeTests: Iterable[TestLike] = (),  # mltrace's names
        afterTests: Iterable[TestLike] = (),
        tags: Iterable[str] = (),
    ) -> None:
        self._name = name
        self._owner = owner
        self._description = description
        self._tags = list(tags)
        self._before_tests = list(beforeTests)
        self._after_tests = list(afterTests)

    @property
    def name(self) -> str:
        return self._name

    @property
    def owner(self) -> str | None:
        return self._owner

    @property
    def description(self) -> str | None:
        return self._description

    @property
    def tags(self) -> list[str]:
        return self._tags

    @property
    def beforeTests(self) -> list[TestLike]:  # mltrace's name
        return self._before_tests

    @property
    def afterTests(self) -> list[TestLike]:  # mltrace's name
        return self._after_tests

    def __repr__(self) -> str:
        return json.dumps({"name": self.name, "description": self.description, "owner": self.owner, "tags": self.tags})

    def run_before_tests(self, **values: Any) -> list[TestResult]:
        return [r for t in _instances(self._before_tests) for r in t.run_tests("before", **values)]

    def run_after_tests(self, **values: Any) -> list[TestResult]:
        return [r for t in _instances(self._after_tests) for r in t.run_tests("after", **values)]

    def beforeRun(self, **kwargs: Any) -> None:  # mltrace's name
        """mltrace 0.17's: run every before-test on the arguments; the first failure raises."""
        for test in _instances(self._before_tests):
            test.runTests(**kwargs)

    def afterRun(self, **local_vars: Any) -> None:  # mltrace's name
        """mltrace 0.17's: run every after-test on the final locals; the first failure raises."""
        for test in _instances(self._after_tests):
            test.runTests(**local_vars)

    def run(
        self,
        inputs: Iterable[Any] | Callable[..., Any] = (),
        outputs: Iterable[Any] = (),
        input_vars: Iterable[str] = (),
        output_vars: Iterable[str] = (),
        input_kwargs: Mapping[str, str] | None = None,
        output_kwargs: Mapping[str, str] | None = None,
        endpoint: bool = False,
        staleness_threshold: float | None = None,
        auto_log: bool = False,
        *user_args: Any,
        **user_kwargs: Any,
    ) -> Any:
        """Decorate a function (bare, ``@c.run``, or with ``register``'s arguments).

        As in mltrace 0.17, ``skip_before=True`` / ``skip_after=True`` skip a phase of tests, and any other
        keyword renames a value for the tests: ``@c.run(df="frame")`` passes the function's ``frame`` to tests
        as ``df``.
        """
        func = inputs if callable(inputs) else None
        skip_before = bool(user_kwargs.pop("skip_before", False))
        skip_after = bool(user_kwargs.pop("skip_after", False))
        renames = {str(v): k for k, v in user_kwargs.items()}  # the function's name -> the tests' name
        plan = IOPlan.of(
            self.name,
            () if func is not None else inputs,  # type: ignore[arg-type]
            outputs,
            input_vars,
            output_vars,
            input_kwargs,
            output_kwargs,
            endpoint,
            auto_log,
        )
        attributes = threshold_attributes(staleness_threshold)

        def for_tests(values: Mapping[str, Any]) -> dict[str, Any]:
            return {renames.get(k, k): v for k, v in values.items()}

        def decorate(fn: F) -> F:
            code = fn.__code__
            signature = inspect.signature(fn)
            if {"skip_before", "skip_after"} & set(signature.parameters):
                raise ValueError(f"skip_before and skip_after cannot be arguments of {fn.__name__}: they are run()'s")

            @functools.wraps(fn)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                with component_run(
                    self.name,
                    tags=self.tags,
                    description=self.description or None,
                    owner=self.owner or None,
                    attributes=attributes,
                    _func=fn,
                ) as run:
                    arguments = plan.arguments(fn, args, kwargs)
                    plan.start(run, arguments)
                    if not skip_before:
                        before = self.run_before_tests(**for_tests(arguments))
                        record_results(run, before)
                        _fail_on(run, before, "before")
                    capture = LocalsCapture(code)
                    with capture:
                        result = fn(*args, **kwargs)
                    plan.finish(run, capture, arguments)
                    if not skip_after:
                        returned = None if capture.returned is MISSING else capture.returned
                        after = self.run_after_tests(**for_tests({**capture.locals, "return": returned}))
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
