"""A deterministic generator of a large Federation 2 graph: 100 subgraph SDLs, ~5,000 fields.

Shape (see vocabulary.py for the names): 20 business domains. Each has a *core* subgraph that
owns the domain's entities (keys, scalar fields, shareable value types, references between
them, an interface they all implement, root fields) and four *satellite* subgraphs that extend
entities of their own domain and of others with fields of their theme. Satellites carry the
federation features a planner must get right: @requires on core fields (scalars and value-type
selections), @provides of a shareable field under a reference, second and compound keys,
@interfaceObject extensions of entity interfaces, a `TimelineEvent` interface whose
implementations differ per subgraph, and `SearchHit` / `FeedItem` unions whose members differ
per subgraph. Everything comes from one `random.Random(seed)`: same seed, same SDLs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .sdl import FieldDef, SubgraphDef, TypeDef
from .vocabulary import (
    COMPOUND_KEYS,
    CORE_FIELDS,
    DOMAINS,
    NOUNS,
    SECOND_KEYS,
    THEMES,
    VALUE_TYPES,
    DomainSpec,
)

DEFAULT_SEED = 2026
SATELLITES_PER_DOMAIN = 4
STATUS_VALUES = ("DRAFT", "ACTIVE", "SUSPENDED", "ARCHIVED")


@dataclass(frozen=True)
class Entity:
    name: str
    domain: str  # the core subgraph that owns it
    keys: tuple[tuple[tuple[str, str], ...], ...]  # each key: ((field, type), ...)

    @property
    def primary_key(self) -> tuple[tuple[str, str], ...]:
        return self.keys[0]


@dataclass
class Ownership:
    """Which subgraphs resolve each (type, field) (not counting @external), and what is special
    about it: what operations are generated from."""

    owners: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    requires: set[tuple[str, str]] = field(default_factory=set)
    provides: set[tuple[str, str]] = field(default_factory=set)
    interface_objects: set[tuple[str, str]] = field(default_factory=set)  # (interface, field)

    def add(self, type_name: str, field_name: str, subgraph: str) -> None:
        self.owners.setdefault((type_name, field_name), []).append(subgraph)


@dataclass
class GeneratedGraph:
    seed: int
    subgraphs: list[SubgraphDef]
    entities: dict[str, Entity]
    ownership: Ownership

    def sdls(self) -> dict[str, str]:
        return {s.name: s.sdl() for s in self.subgraphs}


def _lc(name: str) -> str:
    return name[0].lower() + name[1:]


def _plural(name: str) -> str:
    if name.endswith("y") and name[-2] not in "aeiou":
        return name[:-1] + "ies"
    return name + ("es" if name.endswith(("s", "x", "ch")) else "s")


def _fieldset(key: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f for f, _ in key)


class Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.entities: dict[str, Entity] = {}
        self.subgraphs: dict[str, SubgraphDef] = {}
        self.own = Ownership()
        self.core_fields: dict[str, dict[str, str]] = {}  # entity -> core field -> type
        self.entity_interfaces: dict[str, str] = {}  # domain interface (with @key) -> core subgraph
        self.event_types: set[str] = set()
        for domain in DOMAINS:
            for name in domain.entities:
                keys = [COMPOUND_KEYS.get(name, (("id", "ID!"),))]
                if name in SECOND_KEYS:
                    keys.append((SECOND_KEYS[name],))
                self.entities[name] = Entity(name, domain.name, tuple(keys))

    # ------------------------------------------------------------ helpers
    def _field(self, sub: SubgraphDef, t: TypeDef, f: FieldDef, external: bool = False) -> FieldDef:
        added = t.add(f)
        if not external and added is f:
            self.own.add(t.name, f.name, sub.name)
        return added

    def _value_type(self, sub: SubgraphDef, name: str) -> None:
        if name in sub.types:
            return
        t = sub.type(name)
        t.directives.append("@shareable")
        for fname, ftype in VALUE_TYPES[name]:
            self._field(sub, t, FieldDef(fname, ftype))

    def _uses(self, sub: SubgraphDef, type_str: str) -> None:
        named = type_str.strip("[]!")
        if named in VALUE_TYPES:
            self._value_type(sub, named)

    def _entity_type(self, sub: SubgraphDef, name: str, key: tuple[tuple[str, str], ...] | None = None,
                     resolvable: bool = True) -> TypeDef:
        """The entity `name` as `sub` declares it: its key fields, and nothing else yet."""
        entity = self.entities[name]
        key = key or entity.primary_key
        t = sub.types.get(name)
        if t is not None:
            if resolvable and any("resolvable: false" in d for d in t.directives):
                t.directives = [d.replace(", resolvable: false", "") for d in t.directives]
            return t
        t = sub.type(name)
        flag = "" if resolvable else ", resolvable: false"
        t.directives.append(f'@key(fields: "{_fieldset(key)}"{flag})')
        for fname, ftype in key:
            self._field(sub, t, FieldDef(fname, ftype))
        return t

    def _free_name(self, type_name: str, candidates: list[str]) -> str | None:
        for c in candidates:
            if (type_name, c) not in self.own.owners:
                return c
        return None

    # ------------------------------------------------------------ core subgraphs
    def core(self, domain: DomainSpec) -> None:
        sub = self.subgraphs[domain.name] = SubgraphDef(domain.name, "2.3")
        query = sub.type("Query")
        entity_interface = all(
            any(k == (("id", "ID!"),) for k in self.entities[e].keys) for e in domain.entities
        ) and self.rng.random() < 0.45
        iface = sub.type(domain.interface, "interface")
        if entity_interface:
            iface.directives.append('@key(fields: "id")')
            self.entity_interfaces[domain.interface] = domain.name
        self._field(sub, iface, FieldDef("id", "ID!"))
        self._field(sub, iface, FieldDef("displayName", "String"))
        for name in domain.entities:
            entity = self.entities[name]
            t = sub.type(name)
            t.implements.append(domain.interface)
            for key in entity.keys:
                t.directives.append(f'@key(fields: "{_fieldset(key)}")')
            self._field(sub, t, FieldDef("id", "ID!"))
            for key in entity.keys:
                for fname, ftype in key:
                    self._field(sub, t, FieldDef(fname, ftype))
            # `name` is always there and shareable: satellites @provides it under references.
            self._field(sub, t, FieldDef("name", "String", directives="@shareable"))
            self._field(sub, t, FieldDef("displayName", "String", directives="@shareable"))
            chosen = {"name": "String", "weight": "Float"}
            extra = [f for f in CORE_FIELDS if f[0] not in chosen]
            chosen.update(self.rng.sample(extra, self.rng.randint(8, 12)))
            self.core_fields[name] = chosen
            for fname, ftype in CORE_FIELDS:
                if fname in chosen and fname != "name":
                    self._uses(sub, ftype)
                    self._field(sub, t, FieldDef(fname, ftype))
            status = sub.type(f"{name}Status", "enum")
            status.members = list(STATUS_VALUES)
            self._field(sub, t, FieldDef("status", f"{name}Status!"))
            # references inside the domain: the first hops of entity chains
            for other in domain.entities:
                if other != name and self.rng.random() < 0.6:
                    if self.rng.random() < 0.5:
                        self._field(sub, t, FieldDef(_lc(other), other))
                    else:
                        self._field(sub, t, FieldDef(_lc(_plural(other)), f"[{other}!]!", "(first: Int = 10)"))
            args = ", ".join(f"{f}: {ty}" for f, ty in entity.primary_key)
            self._field(sub, query, FieldDef(_lc(name), name, f"({args})"))
            self._field(sub, query, FieldDef(_lc(_plural(name)), f"[{name}!]!", "(first: Int = 20)"))
        self._field(sub, query, FieldDef(f"{domain.name}Items", f"[{domain.interface}!]!", "(first: Int = 20)"))

    # ------------------------------------------------------------ satellites
    def satellite(self, domain: DomainSpec, theme: str, word: str) -> None:
        rng = self.rng
        sub = self.subgraphs[f"{domain.name}-{theme}"] = SubgraphDef(f"{domain.name}-{theme}", "2.3")
        own = rng.sample(domain.entities, 2)
        foreign_pool = sorted(e for e in self.entities if self.entities[e].domain != domain.name)
        foreign = rng.sample(foreign_pool, rng.randint(2, 3))
        extended = own + foreign
        for name in extended:
            entity = self.entities[name]
            key = entity.keys[1] if len(entity.keys) > 1 and rng.random() < 0.4 else entity.primary_key
            self._entity_type(sub, name, key)
        for name in extended:
            self._extend(sub, name, word, theme, extended)
        if rng.random() < 0.5:
            name = rng.choice(extended)
            fname = self._free_name("Query", [f"{word}{_plural(name)}", f"{theme}{_plural(name)}"])
            if fname:
                self._field(sub, sub.type("Query"), FieldDef(fname, f"[{name}!]!", "(first: Int = 10)"))

    def _extend(self, sub: SubgraphDef, name: str, word: str, theme: str, extended: list[str]) -> None:
        rng = self.rng
        t = sub.types[name]
        cap = word[0].upper() + word[1:]
        for _ in range(rng.randint(4, 8)):
            ftype = rng.choice(("Int", "Float", "String", "String", "Boolean", "Money", "DateRange"))
            nouns = list(NOUNS[ftype])
            rng.shuffle(nouns)
            fname = self._free_name(name, [f"{word}{n}" for n in nouns])
            if fname is None:
                continue
            self._uses(sub, ftype)
            args = "(locale: String)" if ftype == "String" and rng.random() < 0.15 else ""
            self._field(sub, t, FieldDef(fname, ftype, args))
        # references to entities of other domains: where entity chains cross subgraphs
        pool = sorted(e for e in self.entities if e != name)
        for other in rng.sample(pool, rng.randint(1, 3)):
            as_list = rng.random() < 0.5
            fname = self._free_name(name, [f"{word}{_plural(other) if as_list else other}"])
            if fname is None:
                continue
            self._entity_type(sub, other, resolvable=other in extended)
            if as_list:
                self._field(sub, t, FieldDef(fname, f"[{other}!]!", "(first: Int = 5)"))
            else:
                self._field(sub, t, FieldDef(fname, other))
        if rng.random() < 0.4:
            self._requires(sub, t, name, word)
        if rng.random() < 0.3:
            self._provides(sub, t, name, word, extended)
        if rng.random() < 0.25:
            self._events(sub, t, name, cap, theme)
        if rng.random() < 0.15:
            # a shareable field served by the core and this satellite: plan it where we already are
            self._field(sub, t, FieldDef("displayName", "String", directives="@shareable"))

    def _requires(self, sub: SubgraphDef, t: TypeDef, name: str, word: str) -> None:
        """A field computed from core fields the satellite does not own (declared @external)."""
        core = self.core_fields[name]
        scalars = sorted(f for f, ty in core.items() if ty in ("Int", "Float") and f != "name")
        values = sorted(f for f, ty in core.items() if ty in VALUE_TYPES)
        needs = self.rng.sample(scalars, min(len(scalars), self.rng.randint(1, 2)))
        parts = list(needs)
        if values and self.rng.random() < 0.4:
            value = self.rng.choice(values)
            vtype = core[value]
            parts.append(f"{value} {{ {' '.join(f for f, _ in VALUE_TYPES[vtype])} }}")
            needs.append(value)
        fname = self._free_name(name, [f"{word}Adjusted{n[0].upper()}{n[1:]}" for n in needs])
        if fname is None:
            return
        for need in needs:
            self._uses(sub, core[need])
            if need not in t.fields:
                self._field(sub, t, FieldDef(need, core[need], directives="@external"), external=True)
        self._field(sub, t, FieldDef(fname, "Float", directives=f'@requires(fields: "{" ".join(parts)}")'))
        self.own.requires.add((name, fname))

    def _provides(self, sub: SubgraphDef, t: TypeDef, name: str, word: str, extended: list[str]) -> None:
        """A reference under which this satellite also returns the target's shareable `name`."""
        pool = sorted(e for e in self.entities if e != name and e not in extended)
        other = self.rng.choice(pool)
        as_list = self.rng.random() < 0.5
        fname = self._free_name(name, [f"{word}Featured{_plural(other) if as_list else other}"])
        if fname is None:
            return
        target = self._entity_type(sub, other)
        self._field(sub, target, FieldDef("name", "String", directives="@external"), external=True)
        type_str = f"[{other}!]!" if as_list else other
        self._field(sub, t, FieldDef(fname, type_str, directives='@provides(fields: "name")'))
        self.own.provides.add((name, fname))

    def _events(self, sub: SubgraphDef, t: TypeDef, name: str, cap: str, theme: str) -> None:
        """`TimelineEvent`: one interface, implementations that differ from subgraph to subgraph."""
        kinds = [f"{name}{cap}{k}" for k in ("Changed", "Flagged")]
        if any(k in self.event_types for k in kinds):
            return
        fname = self._free_name(name, [f"{_lc(cap)}Events"])
        if fname is None:
            return
        iface = sub.type("TimelineEvent", "interface")
        self._field(sub, iface, FieldDef("at", "String!"))
        self._field(sub, iface, FieldDef("summary", "String"))
        for kind in kinds:
            self.event_types.add(kind)
            ev = sub.type(kind)
            ev.implements.append("TimelineEvent")
            self._field(sub, ev, FieldDef("at", "String!"))
            self._field(sub, ev, FieldDef("summary", "String"))
            self._field(sub, ev, FieldDef(f"{theme}Detail" if kind.endswith("Changed") else "severity", "String"))
        self._field(sub, t, FieldDef(fname, "[TimelineEvent!]!", "(first: Int = 10)"))

    # ------------------------------------------------------------ cross-cutting features
    def interface_objects(self) -> None:
        """Satellites of other domains extend each entity interface as an @interfaceObject (a
        subgraph that declares none of the interface's implementations, as the spec demands)."""
        satellites = sorted(s for s in self.subgraphs if "-" in s)
        for iface, core in sorted(self.entity_interfaces.items()):
            implementations = next(d.entities for d in DOMAINS if d.name == core)
            others = [
                s for s in satellites
                if not s.startswith(core + "-") and not any(e in self.subgraphs[s].types for e in implementations)
            ]
            for sname in self.rng.sample(others, min(2, len(others))):
                sub = self.subgraphs[sname]
                word = dict(THEMES)[sname.split("-", 1)[1]]
                t = sub.type(iface)
                t.directives = ['@key(fields: "id")', "@interfaceObject"]
                self._field(sub, t, FieldDef("id", "ID!"))
                for ftype in self.rng.sample(("Int", "Float", "String", "Boolean"), 3):
                    # the field lands on every implementation too: free there as well
                    names = [f"{word}{n}" for n in NOUNS[ftype]]
                    fname = next(
                        (n for n in names if all((x, n) not in self.own.owners for x in (iface, *implementations))),
                        None,
                    )
                    if fname:
                        self._field(sub, t, FieldDef(fname, ftype))
                        for impl in implementations:
                            self.own.add(impl, fname, sname)
                        self.own.interface_objects.add((iface, fname))

    def unions(self) -> None:
        """`SearchHit` and `FeedItem` in several satellites, each with its own members."""
        satellites = sorted(s for s in self.subgraphs if "-" in s)
        chosen = self.rng.sample(satellites, 6)
        all_entities = sorted(self.entities)
        for i, sname in enumerate(chosen):
            sub = self.subgraphs[sname]
            union = "SearchHit" if i < 4 else "FeedItem"
            members = self.rng.sample(all_entities, self.rng.randint(3, 6))
            for m in members:
                self._entity_type(sub, m, resolvable=False)
            u = sub.type(union, "union")
            u.members = sorted(members)
            prefix = sname.replace("-", "_").split("_")[0]
            root = f"{prefix}Search" if union == "SearchHit" else f"{prefix}Feed"
            fname = self._free_name("Query", [root, f"{root}{i}"])
            if fname:
                args = "(term: String!, first: Int = 10)" if union == "SearchHit" else "(first: Int = 10)"
                self._field(sub, sub.type("Query"), FieldDef(fname, f"[{union}!]!", args))


def generate(seed: int = DEFAULT_SEED) -> GeneratedGraph:
    b = Builder(seed)
    for domain in DOMAINS:
        b.core(domain)
    themes = list(THEMES)
    for domain in DOMAINS:
        for theme, word in b.rng.sample(themes, SATELLITES_PER_DOMAIN):
            b.satellite(domain, theme, word)
    b.unions()
    b.interface_objects()
    subgraphs = [b.subgraphs[n] for n in sorted(b.subgraphs)]
    return GeneratedGraph(seed, subgraphs, b.entities, b.own)
