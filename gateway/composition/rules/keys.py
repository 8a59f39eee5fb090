"""@key field sets: valid selections without arguments or abstract types (KEY_INVALID_FIELDS,
KEY_FIELDS_HAS_ARGS, KEY_FIELDS_SELECT_INVALID_TYPE), and a key on an interface repeated on
every implementation (INTERFACE_KEY_NOT_ON_IMPLEMENTATION)."""

from __future__ import annotations

from ..context import CompositionContext
from ..errors import ErrorSink
from ..fieldset import FieldSetError, parse_field_set, walk
from ..model import KEY, Applied, Subgraph, named_type


def _check_key(sub: Subgraph, type_name: str, key: Applied, sink: ErrorSink) -> None:
    text = key.arg_str("fields") or ""
    shown = f'@key(fields: "{text}")'
    try:
        for s in walk(sub, type_name, parse_field_set(text)):
            if s.field.args:
                sink.error(
                    "KEY_FIELDS_HAS_ARGS",
                    f'[{sub.name}] On type "{type_name}", for {shown}: field {s.field.coordinate} cannot be included because it has arguments (fields with argument are not allowed in @key)',
                    sub.name,
                    type_name,
                )
            target = sub.types.get(named_type(s.field.type))
            if target is not None and target.kind in ("interface", "union"):
                kind = "Interface" if target.kind == "interface" else "Union"
                sink.error(
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    f'[{sub.name}] On type "{type_name}", for {shown}: field "{s.field.coordinate}" is a {kind} type which is not allowed in @key',
                    sub.name,
                    type_name,
                )
    except FieldSetError as e:
        sink.error(
            "KEY_INVALID_FIELDS",
            f'[{sub.name}] On type "{type_name}", for {shown}: {e}',
            sub.name,
            type_name,
        )


def check_keys(ctx: CompositionContext) -> None:
    for _, sub, _ in ctx.checked():
        for t in sub.types.values():
            if t.kind not in ("object", "interface"):
                continue
            for key in t.applied(KEY):
                _check_key(sub, t.name, key, ctx.sink)
                if t.kind == "interface" and not sub.is_fed1:
                    for impl in sub.implementations(t.name):
                        if not any(
                            k.arg_str("fields") == key.arg_str("fields") for k in impl.applied(KEY)
                        ):
                            ctx.sink.error(
                                "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                                f'[{sub.name}] Key @key(fields: "{key.arg_str("fields")}") on interface type "{t.name}" is missing on implementation type "{impl.name}".',
                                sub.name,
                                impl.name,
                            )
