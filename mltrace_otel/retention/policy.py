"""Retention policies: which runs (and plain spans) a store keeps, by age and by count, per component or tag.

Written in ``MLTRACE_RETENTION`` (one line) or a TOML file (``MLTRACE_RETENTION_FILE``), e.g.::

    MLTRACE_RETENTION="*=90d; component:serve=30d,last:1000; tag:adhoc=7d; spans=14d"

Each rule names what it governs (``*`` every component, ``component:NAME``, ``tag:NAME``, ``spans`` the plain,
non-run spans) and what it keeps: ``30d`` runs that started within 30 days, ``last:1000`` the newest 1,000 runs
of each component. A run is kept when any limit of its rule keeps it (so ``30d,last:1000`` keeps a month, and at
least the last thousand). The most specific rule governs a component: its own, else its tags' (kept when any tag
rule keeps it), else ``*``; with no rule at all, runs are kept forever. Whatever a rule says, a run is deleted
only when nothing kept depends on it (see :mod:`mltrace_otel.retention.plan`).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mltrace_otel.config import ConfigError

_UNITS = {"s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 7 * 86_400}
_DURATION = re.compile(r"^(\d+)\s*([smhdw])$")


def parse_duration(text: str, where: str) -> int:
    """``"30d"`` -> nanoseconds."""
    match = _DURATION.match(text.strip())
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"{where}: {text!r} is not a duration (a positive number and s, m, h, d or w: 30d, 12h)")
    return int(match.group(1)) * _UNITS[match.group(2)] * 10**9


@dataclass(frozen=True)
class Limits:
    """What a rule keeps: runs that started within ``within_ns``, and the newest ``last`` of each component."""

    within_ns: int | None = None
    last: int | None = None

    def describe(self) -> str:
        parts = []
        if self.within_ns is not None:
            parts.append(_format_duration(self.within_ns))
        if self.last is not None:
            parts.append(f"last:{self.last}")
        return ",".join(parts)


def _format_duration(ns: int) -> str:
    seconds = ns // 10**9
    for unit in ("w", "d", "h", "m"):
        if seconds % _UNITS[unit] == 0:
            return f"{seconds // _UNITS[unit]}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True)
class Policy:
    default: Limits | None = None
    components: Mapping[str, Limits] = field(default_factory=dict)
    tags: Mapping[str, Limits] = field(default_factory=dict)
    spans_within_ns: int | None = None  # plain (non-run) spans; None: kept forever

    @property
    def empty(self) -> bool:
        return self.default is None and not self.components and not self.tags and self.spans_within_ns is None

    def rules_for(self, component: str, tags: Iterable[str]) -> tuple[Limits, ...]:
        """The rules governing a component's runs (a run is kept when any of them keeps it); () keeps everything."""
        if component in self.components:
            return (self.components[component],)
        by_tag = tuple(self.tags[t] for t in sorted(set(tags)) if t in self.tags)
        if by_tag:
            return by_tag
        return (self.default,) if self.default is not None else ()

    def describe(self) -> str:
        parts = []
        if self.default is not None:
            parts.append(f"*={self.default.describe()}")
        parts += [f"component:{name}={limits.describe()}" for name, limits in sorted(self.components.items())]
        parts += [f"tag:{name}={limits.describe()}" for name, limits in sorted(self.tags.items())]
        if self.spans_within_ns is not None:
            parts.append(f"spans={_format_duration(self.spans_within_ns)}")
        return "; ".join(parts)


def _limits(items: Iterable[tuple[str, Any]], where: str) -> Limits:
    within: int | None = None
    last: int | None = None
    for key, value in items:
        if key == "within":
            within = parse_duration(str(value), where)
        elif key == "last":
            if isinstance(value, bool) or not str(value).isdigit() or int(value) < 1:
                raise ConfigError(f"{where}: last must be a positive whole number of runs, not {value!r}")
            last = int(value)
        else:
            raise ConfigError(f"{where}: unknown limit {key!r} (use a duration like 30d, or last:N)")
    if within is None and last is None:
        raise ConfigError(f"{where}: a rule needs a duration (30d) and/or a count (last:1000)")
    return Limits(within, last)


def parse_policy(text: str, source: str = "MLTRACE_RETENTION") -> Policy:
    """The one-line form: ``SELECTOR=LIMIT[,LIMIT]`` rules separated by ``;``."""
    default: Limits | None = None
    components: dict[str, Limits] = {}
    tags: dict[str, Limits] = {}
    spans_within: int | None = None
    for raw in text.split(";"):
        rule = raw.strip()
        if not rule:
            continue
        selector, sep, limits_text = rule.partition("=")
        selector = selector.strip()
        where = f"{source}: rule {rule!r}"
        if not sep or not limits_text.strip():
            raise ConfigError(f"{where}: expected SELECTOR=LIMITS, e.g. *=90d or component:serve=30d,last:1000")
        items: list[tuple[str, Any]] = []
        for part in (p.strip() for p in limits_text.split(",")):
            key, colon, value = part.partition(":")
            items.append(("last", value.strip()) if colon and key.strip() == "last" else ("within", part))
        limits = _limits(items, where)
        if selector == "*":
            default = limits
        elif selector == "spans":
            if limits.last is not None or limits.within_ns is None:
                raise ConfigError(f"{where}: plain spans are kept by age only (spans=14d)")
            spans_within = limits.within_ns
        elif selector.startswith("component:") and selector[len("component:") :].strip():
            components[selector[len("component:") :].strip()] = limits
        elif selector.startswith("tag:") and selector[len("tag:") :].strip():
            tags[selector[len("tag:") :].strip()] = limits
        else:
            raise ConfigError(f"{where}: unknown selector {selector!r} (use *, component:NAME, tag:NAME or spans)")
    return Policy(default, components, tags, spans_within)


def load_policy_file(path: Path) -> Policy:
    """TOML: ``[default]``, ``[spans]`` and ``[[rules]]`` tables with ``within = "30d"`` / ``last = 1000``, each
    rule naming one ``component`` or ``tag`` (any name, even one with ``;`` or ``=`` in it)."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigError(f"retention file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"retention file {path}: not valid TOML ({exc})") from exc
    unknown = set(data) - {"default", "spans", "rules"}
    if unknown:
        raise ConfigError(f"retention file {path}: unknown section(s) {sorted(unknown)} (use default, spans, rules)")
    default = _limits(dict(data["default"]).items(), f"{path} [default]") if "default" in data else None
    spans_within: int | None = None
    if "spans" in data:
        spans = dict(data["spans"])
        if set(spans) != {"within"}:
            raise ConfigError(f'retention file {path} [spans]: plain spans are kept by age only (within = "14d")')
        spans_within = parse_duration(str(spans["within"]), f"{path} [spans]")
    components: dict[str, Limits] = {}
    tags: dict[str, Limits] = {}
    for i, rule in enumerate(data.get("rules", [])):
        where = f"{path} rules[{i}]"
        rule = dict(rule)
        selectors = [k for k in ("component", "tag") if k in rule]
        if len(selectors) != 1 or not isinstance(rule[selectors[0]], str):
            raise ConfigError(f'{where}: name exactly one component = "..." or tag = "..."')
        name = rule.pop(selectors[0])
        (components if selectors[0] == "component" else tags)[name] = _limits(rule.items(), where)
    return Policy(default, components, tags, spans_within)


def policy_from_env(text: str | None = None, path: str | None = None) -> Policy:
    """The policy given explicitly, else ``MLTRACE_RETENTION_FILE``, else ``MLTRACE_RETENTION``; empty if none."""
    if text and path:
        raise ConfigError("give a retention policy or a policy file, not both")
    path = path or (None if text else os.environ.get("MLTRACE_RETENTION_FILE") or None)
    if path:
        return load_policy_file(Path(path).expanduser())
    text = text or os.environ.get("MLTRACE_RETENTION") or ""
    return parse_policy(text)
