"""Response shaping compiled to Python code, once per plan (the hot path's fast lane).

`Shaper` in shape.py walks the client's fields generically: a type test, a path tuple and a call
per value. For a plan served thousands of times that is most of the gateway's CPU, so each plan
also gets a specialised function, generated from its field tree the way graphql-jit compiles
queries: one function per selection set, straight-line code per field, leaf checks inlined.

The compiled function handles only the common case: every value well-typed, no null in a non-null
position. Anything else raises `Anomaly`, and the caller shapes that response with `Shaper`, which
knows paths, errors and null propagation. Both must give the same answer where both answer; the
tests hold them to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLOutputType,
)

from gateway.plan.fields import NField, uniform_selection


class Anomaly(Exception):
    """The fast lane cannot shape this response; use the general Shaper."""


_LEAF_CHECKS = {
    "String": "{v}.__class__ is not str",
    "Boolean": "{v}.__class__ is not bool",
    "Int": "{v}.__class__ is not int or not -2147483648 <= {v} <= 2147483647",
    "Float": "{v}.__class__ is not float and {v}.__class__ is not int",
}


class _Generator:
    def __init__(self) -> None:
        self.functions: list[str] = []
        self.namespace: dict[str, Any] = {"Anomaly": Anomaly}
        self.counter = 0
        self._object_cache: dict[tuple[int, ...], str] = {}

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def object_function(self, fields: list[NField]) -> str:
        """A function shaping one object for these fields; returns its name."""
        signature = tuple(id(f) for f in fields)
        cached = self._object_cache.get(signature)
        if cached is not None:
            return cached
        fn = self.name("_o")
        self._object_cache[signature] = fn
        body: list[str] = []
        out: list[str] = []
        for i, nf in enumerate(fields):
            var = f"v{i}"
            key = repr(nf.key)
            if nf.name == "__typename":
                out.append(f"{key}: {nf.parent!r}")
                continue
            if nf.denied:  # removed by authorization: null, or the general shaper propagates it
                if isinstance(nf.type, GraphQLNonNull):
                    body.append("raise Anomaly")
                out.append(f"{key}: None")
                continue
            body.append(f"{var} = o.get({key})")
            if nf.type is not None:
                body.extend(self.complete(nf, nf.type, var))
            out.append(f"{key}: {var}")
        code = [f"def {fn}(o):"]
        code.extend("    " + line for line in body)
        code.append("    return {" + ", ".join(out) + "}")
        self.functions.append("\n".join(code))
        return fn

    def complete(self, nf: NField, t: GraphQLOutputType, var: str) -> list[str]:
        """Lines that check `var` against `t` (raising Anomaly) and replace it by its shaped value."""
        if isinstance(t, GraphQLNonNull):
            return [f"if {var} is None: raise Anomaly", *self.complete_value(nf, t.of_type, var)]
        inner = self.complete_value(nf, t, var)
        if not inner:
            return []
        return [f"if {var} is not None:", *("    " + line for line in inner)]

    def complete_value(self, nf: NField, t: GraphQLOutputType, var: str) -> list[str]:
        """`var` is not None here."""
        if isinstance(t, GraphQLList):
            item = self.item_function(nf, t.of_type)
            lines = [f"if {var}.__class__ is not list: raise Anomaly"]
            if item is not None:
                lines.append(f"{var} = [{item}(x) for x in {var}]")
            return lines
        if nf.leaf:
            return self.leaf(t, var)
        lines = [f"if {var}.__class__ is not dict: raise Anomaly"]
        if nf.abstract:
            table = self.name("_t")
            # runtime type -> function name; replaced by the functions themselves after exec
            functions = {rt: self.object_function(kids) for rt, kids in nf.children.items()}
            if functions and nf.named not in functions and uniform_selection(nf):
                # An @interfaceObject answers with the interface as __typename: fine when the
                # selection is the same for every runtime type (see Shaper.value).
                functions[nf.named] = next(iter(functions.values()))
            self.namespace[table] = functions
            lines += [
                f"_f = {table}.get({var}.get('__typename'))",
                "if _f is None: raise Anomaly",
                f"{var} = _f({var})",
            ]
        else:
            lines.append(f"{var} = {self.object_function(nf.children[nf.named])}({var})")
        return lines

    def item_function(self, nf: NField, t: GraphQLOutputType) -> str | None:
        """A function shaping one list item, or None when items are leaves that need no check."""
        lines = self.complete(nf, t, "x")
        if not lines:
            return None
        fn = self.name("_i")
        self.functions.append("\n".join([f"def {fn}(x):", *("    " + line for line in lines), "    return x"]))
        return fn

    def leaf(self, t: GraphQLOutputType, var: str) -> list[str]:
        named = t
        while isinstance(named, GraphQLNonNull | GraphQLList):
            named = named.of_type
        if isinstance(named, GraphQLEnumType):
            values = self.name("_e")
            self.namespace[values] = frozenset(named.values)
            return [f"if {var}.__class__ is not str or {var} not in {values}: raise Anomaly"]
        name = getattr(named, "name", "")
        if name == "ID":
            return [
                f"if {var}.__class__ is int: {var} = str({var})",
                f"elif {var}.__class__ is not str: raise Anomaly",
            ]
        check = _LEAF_CHECKS.get(name)
        return [f"if {check.format(v=var)}: raise Anomaly"] if check else []


def compile_shape(fields: list[NField]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Compile the root selection into a function: merged data -> the client's `data`."""
    gen = _Generator()
    root = gen.object_function(fields)
    source = "\n\n".join(gen.functions)
    exec(compile(source, "<charter shape>", "exec"), gen.namespace)
    for name, value in list(gen.namespace.items()):
        if name.startswith("_t") and isinstance(value, dict):
            gen.namespace[name] = {rt: gen.namespace[fn] for rt, fn in value.items()}
    return gen.namespace[root]
