"""Entity-cache settings: TTLs beyond the SDL's hints, what a write makes stale, and which events
mean which write. Read from a YAML file (`--entity-cache-config`); every part is optional.

```yaml
ttl:                      # seconds per type (overrides @cacheControl on the type)
  Nation: 3600
default_ttl: 0            # types with no hint and no entry here are not cached (0)
dependents:               # a write of the key type also evicts entries holding these types
  Project: [Project, RegionStats, Nation.metrics]   # an entity type: entries holding lists of it;
                          # Type.field: entries selecting that field
mutations:                # what a mutation field's write makes stale, when not its type's dependents
  recordMetrics:          # a list of type names, or a mapping:
    dependents: [Nation.metrics]
    sets: [Project.metrics]   # optional: every field of an entity this write can change; the
                          # entity's entries that hold none of them stay (default: all of its entries)
  updateProject:          # by the fields its input argument sets; a field not listed here: the type's
    argument: input
    fields:
      name: [Query.projects]                 # Type.field: entries selecting that field
      progress: [NationStats.averageProgress]
events:                   # event-driven invalidation (the JetStream consumer, or `on_event`)
  - subject: covenant.project.*.*
    type: Project
    key: {id: id}         # key field <- payload field
    dependents: [...]     # optional: instead of the type's
    changed: fields       # optional: the payload field listing the fields the write set; with
    fields:               # `fields`, the union of theirs (a field not listed, or no list: as above)
      name: [Query.projects]
    sets: [Project.name, Project.progress]   # optional, as for mutations
```
A type with no `dependents` entry evicts the lists that hold it (the safe default: a write may
change which lists an entity belongs to).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class CacheConfigError(ValueError):
    pass


@dataclass(frozen=True)
class EventRule:
    subject: str  # NATS subject pattern: `*` one token, `>` the rest
    type: str
    key: tuple[tuple[str, str], ...]  # (key field, payload field)
    dependents: tuple[str, ...] | None = None  # None: the type's
    # The payload field naming the fields the write set, and what each makes stale: an update
    # that says it only renamed a project evicts the project and the lists filtered by name, not
    # every list and aggregate that holds some project.
    changed: str | None = None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sets: frozenset[str] | None = None  # Type.field coordinates the write can change (None: any)

    def dependents_for(self, payload: Mapping[str, Any]) -> tuple[str, ...] | None:
        """What this event makes stale besides the entity (None: the type's dependents)."""
        if self.changed is None:
            return self.dependents
        named = payload.get(self.changed)
        if not isinstance(named, list) or not named or not all(isinstance(n, str) for n in named):
            return self.dependents  # a producer that does not say (or a create): the safe default
        out: list[str] = []
        for name in named:
            deps = self.fields.get(name)
            if deps is None:
                return self.dependents
            out.extend(deps)
        return tuple(dict.fromkeys(out))

    def matches(self, subject: str) -> bool:
        want = self.subject.split(".")
        got = subject.split(".")
        for i, token in enumerate(want):
            if token == ">":
                return len(got) > i
            if i >= len(got) or (token != "*" and token != got[i]):
                return False
        return len(got) == len(want)


@dataclass(frozen=True)
class MutationRule:
    """What a mutation field makes stale: `dependents`, or, with `argument`, the union of the
    dependents of the input fields it sets (None when it sets a field not listed: the type's)."""

    dependents: tuple[str, ...] | None = None
    argument: str | None = None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Every Type.field the write can change: an entity's entries holding none of them are kept
    # (a rename does not evict the project's metrics series). None: all of the entity's entries.
    sets: frozenset[str] | None = None

    def for_input(self, value: object) -> tuple[str, ...] | None:
        if self.argument is None:
            return self.dependents
        if not isinstance(value, dict) or not value:
            return None
        out: list[str] = []
        for name in value:
            deps = self.fields.get(name)
            if deps is None:
                return None
            out.extend(deps)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class EntityCacheConfig:
    ttl: dict[str, int] = field(default_factory=dict)
    default_ttl: int = 0
    dependents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    events: tuple[EventRule, ...] = ()
    mutations: dict[str, MutationRule] = field(default_factory=dict)  # by mutation field name
    namespace: str = "charter:"
    # A second eviction this long after each write's first: a read that fetched the old value
    # just before the write (or from a lagging replica) and stored it after the first eviction
    # is removed by the second. Bounds how long anyone can see a stale entry.
    settle_seconds: float = 0.5

    def dependents_of(self, type_name: str) -> tuple[str, ...]:
        return self.dependents.get(type_name, (type_name,))

    def dependent_names(self) -> frozenset[str]:
        """Every type or coordinate some rule names (entries holding them get tagged)."""
        names = {t for deps in self.dependents.values() for t in deps}
        for rule in self.mutations.values():
            names.update(rule.dependents or ())
            for deps in rule.fields.values():
                names.update(deps)
        for event in self.events:
            names.update(event.dependents or ())
            for deps in event.fields.values():
                names.update(deps)
        return frozenset(names)


def _sets(raw: Any, where: str) -> frozenset[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not all(isinstance(x, str) and x.count(".") == 1 for x in raw):
        raise CacheConfigError(f"{where}.sets is a list of Type.field coordinates")
    return frozenset(raw)


def load_config(path: str | Path | None) -> EntityCacheConfig:
    if not path:
        return EntityCacheConfig()
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        raise CacheConfigError(f"cannot read entity cache config {path}: {e}") from e
    return parse_config(raw, str(path))


def parse_config(raw: Any, where: str = "config") -> EntityCacheConfig:
    if not isinstance(raw, dict):
        raise CacheConfigError(f"{where}: expected a mapping")
    ttl = raw.get("ttl") or {}
    if not isinstance(ttl, dict) or not all(isinstance(v, int) and v >= 0 for v in ttl.values()):
        raise CacheConfigError(f"{where}: `ttl` maps type names to seconds (integers >= 0)")
    deps = raw.get("dependents") or {}
    if not isinstance(deps, dict) or not all(isinstance(v, list) for v in deps.values()):
        raise CacheConfigError(f"{where}: `dependents` maps a type to a list of type names")
    events = []
    for i, e in enumerate(raw.get("events") or ()):
        if not isinstance(e, dict) or not isinstance(e.get("subject"), str) or not isinstance(e.get("type"), str):
            raise CacheConfigError(f"{where}: events[{i}] needs `subject` and `type`")
        key = e.get("key") or {}
        if not isinstance(key, dict) or not key:
            raise CacheConfigError(f"{where}: events[{i}].key maps key fields to payload fields")
        rule_deps = e.get("dependents")
        if rule_deps is not None and not isinstance(rule_deps, list):
            raise CacheConfigError(f"{where}: events[{i}].dependents is a list of type names")
        changed = e.get("changed")
        by_field = e.get("fields") or {}
        if changed is not None and not isinstance(changed, str):
            raise CacheConfigError(f"{where}: events[{i}].changed names the payload field listing the fields set")
        if not isinstance(by_field, dict) or not all(isinstance(v, list) for v in by_field.values()):
            raise CacheConfigError(f"{where}: events[{i}].fields maps written fields to lists of type names")
        if by_field and changed is None:
            raise CacheConfigError(f"{where}: events[{i}].fields needs `changed` (where the payload lists them)")
        events.append(EventRule(
            e["subject"], e["type"], tuple((str(k), str(v)) for k, v in key.items()),
            tuple(str(d) for d in rule_deps) if rule_deps is not None else None,
            changed, {str(k): tuple(str(x) for x in v) for k, v in by_field.items()},
            _sets(e.get("sets"), f"{where}: events[{i}]"),
        ))
    mutations: dict[str, MutationRule] = {}
    raw_mutations = raw.get("mutations") or {}
    if not isinstance(raw_mutations, dict):
        raise CacheConfigError(f"{where}: `mutations` maps mutation fields to rules")
    for name, rule in raw_mutations.items():
        if isinstance(rule, list):
            mutations[str(name)] = MutationRule(dependents=tuple(str(x) for x in rule))
        elif isinstance(rule, dict) and isinstance(rule.get("argument"), str) and isinstance(rule.get("fields"), dict):
            fields = rule["fields"]
            if not all(isinstance(v, list) for v in fields.values()):
                raise CacheConfigError(f"{where}: mutations.{name}.fields maps input fields to lists of type names")
            mutations[str(name)] = MutationRule(
                argument=rule["argument"], fields={str(k): tuple(str(x) for x in v) for k, v in fields.items()},
                sets=_sets(rule.get("sets"), f"{where}: mutations.{name}"),
            )
        elif isinstance(rule, dict) and isinstance(rule.get("dependents"), list) and "argument" not in rule:
            mutations[str(name)] = MutationRule(
                dependents=tuple(str(x) for x in rule["dependents"]),
                sets=_sets(rule.get("sets"), f"{where}: mutations.{name}"),
            )
        else:
            raise CacheConfigError(
                f"{where}: mutations.{name} is a list of type names, {{dependents, sets}} or {{argument, fields, sets}}"
            )
    default_ttl = raw.get("default_ttl", 0)
    if not isinstance(default_ttl, int) or default_ttl < 0:
        raise CacheConfigError(f"{where}: `default_ttl` is seconds (an integer >= 0)")
    return EntityCacheConfig(
        ttl={str(k): int(v) for k, v in ttl.items()},
        default_ttl=default_ttl,
        dependents={str(k): tuple(str(x) for x in v) for k, v in deps.items()},
        events=tuple(events),
        mutations=mutations,
        namespace=str(raw.get("namespace", "charter:")),
        settle_seconds=float(raw.get("settle_seconds", 0.5)),
    )
