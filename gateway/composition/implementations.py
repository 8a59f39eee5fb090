"""GraphQL's own rule for interfaces: every implementation has each interface field, with a
covariant type and the same arguments. Checked per subgraph and again on the merged supergraph
(merging can make a field nullable in one place and not the other)."""

from __future__ import annotations

from collections.abc import Callable

from graphql.language import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode, print_ast

from .model import TypeDef

Report = Callable[[str, str], None]  # (coordinate, message)


def _covariant(types: dict[str, TypeDef], sub: TypeNode, sup: TypeNode) -> bool:
    """graphql-js `isTypeSubTypeOf`: may a field of type `sub` implement one of type `sup`?"""
    if print_ast(sub) == print_ast(sup):
        return True
    if isinstance(sup, NonNullTypeNode):
        return isinstance(sub, NonNullTypeNode) and _covariant(types, sub.type, sup.type)
    if isinstance(sub, NonNullTypeNode):
        return _covariant(types, sub.type, sup)
    if isinstance(sup, ListTypeNode):
        return isinstance(sub, ListTypeNode) and _covariant(types, sub.type, sup.type)
    if isinstance(sub, ListTypeNode):
        return False
    assert isinstance(sub, NamedTypeNode) and isinstance(sup, NamedTypeNode)
    abstract = types.get(sup.name.value)
    concrete = types.get(sub.name.value)
    if abstract is None or concrete is None:
        return False
    if abstract.kind == "union":
        return concrete.name in abstract.members
    return abstract.kind == "interface" and abstract.name in concrete.interfaces


def check_implementations(types: dict[str, TypeDef], report: Report) -> None:
    for t in types.values():
        if t.kind not in ("object", "interface"):
            continue
        for itf_name in t.interfaces:
            itf = types.get(itf_name)
            if itf is None or itf.kind != "interface":
                continue
            for fname, ifield in itf.fields.items():
                field = t.fields.get(fname)
                if field is None:
                    report(
                        f"{t.name}.{fname}",
                        f"Interface field {itf.name}.{fname} expected but {t.name} does not provide it.",
                    )
                    continue
                if not _covariant(types, field.type, ifield.type):
                    report(
                        field.coordinate,
                        f"Interface field {itf.name}.{fname} expects type {print_ast(ifield.type)} but {t.name}.{fname} of type {print_ast(field.type)} is not a proper subtype.",
                    )
                for aname, iarg in ifield.args.items():
                    arg = field.args.get(aname)
                    if arg is None:
                        report(
                            field.coordinate,
                            f"Interface field argument {itf.name}.{fname}({aname}:) expected but {t.name}.{fname} does not provide it.",
                        )
                    elif print_ast(arg.type) != print_ast(iarg.type):
                        report(
                            field.coordinate,
                            f"Interface field argument {itf.name}.{fname}({aname}:) expects type {print_ast(iarg.type)} but {t.name}.{fname}({aname}:) is type {print_ast(arg.type)}.",
                        )
                for aname, arg in field.args.items():
                    if (
                        aname not in ifield.args
                        and isinstance(arg.type, NonNullTypeNode)
                        and arg.default is None
                    ):
                        report(
                            field.coordinate,
                            f"Object field {t.name}.{fname} includes required argument {aname} that is missing from the Interface field {itf.name}.{fname}.",
                        )
