"""A fast parser for type-system documents (supergraph SDL), producing graphql-core's AST.

graphql-core's parser reads one character at a time in Python: a 470 KB supergraph of 100
subgraphs takes it over half a second, most of the gateway's start-up and of every reload. This
parser tokenises with one compiled regular expression (the scanning runs in C) and builds the same
nodes graphql-core builds with `no_location=True`. It knows only type-system definitions; on
anything else, or any token it does not expect, it gives up and the caller uses graphql-core's
parser, which also produces the proper error messages.
"""

from __future__ import annotations

import re
from typing import Any

from graphql.language import ast
from graphql.language.block_string import dedent_block_string_lines


class Unsupported(Exception):
    """The fast parser does not handle this document: use graphql-core's."""


# Tokens as plain strings (findall builds no match objects): block strings, strings, comments,
# names, numbers, punctuators. What lies between tokens must be ignored characters, which
# _WHOLE checks in one more pass in C.
_TOKEN_SRC = r"""\"\"\"(?:\\\"\"\"|(?!\"\"\").)*\"\"\"|"(?:[^"\\\n\r]|\\.)*"|\#[^\n\r]*|[_A-Za-z][_0-9A-Za-z]*|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|\.\.\.|[!$&()\[\]{}:=@|]"""
_TOKEN = re.compile(_TOKEN_SRC, re.DOTALL)
_WHOLE = re.compile(r"(?:[\s,\ufeff]+|" + _TOKEN_SRC + ")*", re.DOTALL)
_NAME_START = frozenset("_ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_NUMBER_START = frozenset("-0123456789")

_LINE_BREAK = re.compile(r"\r\n|[\n\r]")  # GraphQL's line terminators (not str.splitlines()'s)
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE = re.compile(r"\\(u\{[0-9A-Fa-f]+\}|u[0-9A-Fa-f]{4}|.)")


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        if e.startswith("u") and len(e) == 5:
            code = int(e[1:], 16)
            if 0xD800 <= code <= 0xDFFF:
                raise Unsupported  # surrogate pairs: let graphql-core handle them
            return chr(code)
        if e in _ESCAPES:
            return _ESCAPES[e]
        raise Unsupported

    return _ESCAPE.sub(one, body)


def _tokens(text: str) -> list[tuple[str, str]]:
    if _WHOLE.fullmatch(text) is None:
        raise Unsupported  # a character no token starts with: graphql-core will say which
    out: list[tuple[str, str]] = []
    append = out.append
    for tok in _TOKEN.findall(text):
        first = tok[0]
        if first in _NAME_START:
            append(("name", tok))
        elif first == '"':
            append(("block" if tok.startswith('"""') else "string", tok))
        elif first == "#":
            continue
        elif first in _NUMBER_START:
            append(("float" if ("." in tok or "e" in tok or "E" in tok) else "int", tok))
        else:
            append(("punct", tok))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    # ------------------------------------------------------------ tokens
    def peek(self, value: str) -> bool:
        i = self.i
        return i < len(self.toks) and self.toks[i][1] == value and self.toks[i][0] in ("punct", "name")

    def peek_kind(self) -> str:
        return self.toks[self.i][0] if self.i < len(self.toks) else "eof"

    def take(self, value: str) -> None:
        if not self.peek(value):
            raise Unsupported
        self.i += 1

    def skip(self, value: str) -> bool:
        if self.peek(value):
            self.i += 1
            return True
        return False

    def name(self) -> ast.NameNode:
        if self.peek_kind() != "name":
            raise Unsupported
        value = self.toks[self.i][1]
        self.i += 1
        return ast.NameNode(value=value)

    def description(self) -> ast.StringValueNode | None:
        kind = self.peek_kind()
        if kind in ("string", "block"):
            return self.string()
        return None

    def string(self) -> ast.StringValueNode:
        kind, raw = self.toks[self.i]
        self.i += 1
        if kind == "block":
            body = raw[3:-3].replace('\\"""', '"""')
            lines = dedent_block_string_lines(_LINE_BREAK.split(body))
            return ast.StringValueNode(value="\n".join(lines), block=True)
        return ast.StringValueNode(value=_unescape(raw[1:-1]), block=False)

    # ------------------------------------------------------------ values and types
    def value(self) -> ast.ConstValueNode:
        kind, raw = self.toks[self.i] if self.i < len(self.toks) else ("eof", "")
        if kind in ("string", "block"):
            return self.string()
        self.i += 1
        if kind == "int":
            return ast.IntValueNode(value=raw)
        if kind == "float":
            return ast.FloatValueNode(value=raw)
        if kind == "name":
            if raw in ("true", "false"):
                return ast.BooleanValueNode(value=raw == "true")
            if raw == "null":
                return ast.NullValueNode()
            return ast.EnumValueNode(value=raw)
        if raw == "[":
            values = []
            while not self.skip("]"):
                values.append(self.value())
            return ast.ListValueNode(values=tuple(values))  # type: ignore[return-value]  # graphql-core's parser builds these for constants too
        if raw == "{":
            fields = []
            while not self.skip("}"):
                n = self.name()
                self.take(":")
                fields.append(ast.ObjectFieldNode(name=n, value=self.value()))
            return ast.ObjectValueNode(fields=tuple(fields))  # type: ignore[return-value]  # as graphql-core's parser does for constants
        raise Unsupported

    def type_ref(self) -> ast.TypeNode:
        t: ast.TypeNode
        if self.skip("["):
            t = ast.ListTypeNode(type=self.type_ref())
            self.take("]")
        else:
            t = ast.NamedTypeNode(name=self.name())
        if self.skip("!"):
            t = ast.NonNullTypeNode(type=t)
        return t

    def directives(self) -> tuple[ast.ConstDirectiveNode, ...] | None:
        out = []
        while self.skip("@"):
            n = self.name()
            out.append(ast.ConstDirectiveNode(name=n, arguments=self.arguments()))
        return tuple(out) if out else None  # graphql-core 3.3 leaves empty collections as None

    def arguments(self) -> tuple[ast.ConstArgumentNode, ...] | None:
        if not self.skip("("):
            return None
        out = []
        while not self.skip(")"):
            n = self.name()
            self.take(":")
            out.append(ast.ConstArgumentNode(name=n, value=self.value()))
        return _non_empty(out)

    def input_values(self, close: str) -> tuple[ast.InputValueDefinitionNode, ...]:
        out = []
        while not self.skip(close):
            desc = self.description()
            n = self.name()
            self.take(":")
            t = self.type_ref()
            default = self.value() if self.skip("=") else None
            out.append(
                ast.InputValueDefinitionNode(
                    description=desc, name=n, type=t, default_value=default, directives=self.directives()
                )
            )
        return _non_empty(out)

    def fields(self) -> tuple[ast.FieldDefinitionNode, ...] | None:
        if not self.skip("{"):
            return None
        out = []
        while not self.skip("}"):
            desc = self.description()
            n = self.name()
            args = self.input_values(")") if self.skip("(") else None
            self.take(":")
            t = self.type_ref()
            out.append(
                ast.FieldDefinitionNode(
                    description=desc, name=n, arguments=args, type=t, directives=self.directives()
                )
            )
        return _non_empty(out)

    def implements(self) -> tuple[ast.NamedTypeNode, ...] | None:
        if not self.skip("implements"):
            return None
        self.skip("&")
        out = [ast.NamedTypeNode(name=self.name())]
        while self.skip("&"):
            out.append(ast.NamedTypeNode(name=self.name()))
        return tuple(out)

    # ------------------------------------------------------------ definitions
    def document(self) -> ast.DocumentNode:
        defs = []
        while self.i < len(self.toks):
            defs.append(self.definition())
        if not defs:
            raise Unsupported
        return ast.DocumentNode(definitions=tuple(defs))

    def definition(self) -> ast.DefinitionNode:
        desc = self.description()
        if self.peek_kind() != "name":
            raise Unsupported
        keyword = self.toks[self.i][1]
        if keyword == "extend":
            if desc is not None:
                raise Unsupported
            self.i += 1
            return self.extension()
        self.i += 1
        handler = _DEFINITIONS.get(keyword)
        if handler is None:
            raise Unsupported
        return handler(self, desc)

    def schema_body(
        self,
    ) -> tuple[tuple[ast.ConstDirectiveNode, ...] | None, tuple[ast.OperationTypeDefinitionNode, ...] | None]:
        directives = self.directives()
        if not self.skip("{"):
            return directives, None
        ops = []
        while not self.skip("}"):
            op = self.name().value
            self.take(":")
            ops.append(
                ast.OperationTypeDefinitionNode(operation=ast.OperationType(op), type=ast.NamedTypeNode(name=self.name()))
            )
        return directives, _non_empty(ops)

    def schema(self, desc: Any) -> ast.SchemaDefinitionNode:
        directives, ops = self.schema_body()
        if ops is None:
            raise Unsupported  # a schema definition needs its operation types
        return ast.SchemaDefinitionNode(description=desc, directives=directives, operation_types=ops)

    def scalar(self, desc: Any) -> ast.ScalarTypeDefinitionNode:
        return ast.ScalarTypeDefinitionNode(description=desc, name=self.name(), directives=self.directives())

    def object(self, desc: Any) -> ast.ObjectTypeDefinitionNode:
        n = self.name()
        return ast.ObjectTypeDefinitionNode(
            description=desc, name=n, interfaces=self.implements(), directives=self.directives(), fields=self.fields()
        )

    def interface(self, desc: Any) -> ast.InterfaceTypeDefinitionNode:
        n = self.name()
        return ast.InterfaceTypeDefinitionNode(
            description=desc, name=n, interfaces=self.implements(), directives=self.directives(), fields=self.fields()
        )

    def members(self) -> tuple[ast.NamedTypeNode, ...] | None:
        if not self.skip("="):
            return None
        self.skip("|")
        out = [ast.NamedTypeNode(name=self.name())]
        while self.skip("|"):
            out.append(ast.NamedTypeNode(name=self.name()))
        return tuple(out)

    def union(self, desc: Any) -> ast.UnionTypeDefinitionNode:
        n = self.name()
        return ast.UnionTypeDefinitionNode(description=desc, name=n, directives=self.directives(), types=self.members())

    def enum_values(self) -> tuple[ast.EnumValueDefinitionNode, ...] | None:
        if not self.skip("{"):
            return None
        out = []
        while not self.skip("}"):
            d = self.description()
            out.append(ast.EnumValueDefinitionNode(description=d, name=self.name(), directives=self.directives()))
        return _non_empty(out)

    def enum(self, desc: Any) -> ast.EnumTypeDefinitionNode:
        n = self.name()
        return ast.EnumTypeDefinitionNode(description=desc, name=n, directives=self.directives(), values=self.enum_values())

    def input(self, desc: Any) -> ast.InputObjectTypeDefinitionNode:
        n = self.name()
        directives = self.directives()
        fields = self.input_values("}") if self.skip("{") else None
        return ast.InputObjectTypeDefinitionNode(description=desc, name=n, directives=directives, fields=fields)

    def directive(self, desc: Any) -> ast.DirectiveDefinitionNode:
        self.take("@")
        n = self.name()
        args = self.input_values(")") if self.skip("(") else None
        repeatable = self.skip("repeatable")
        self.take("on")
        self.skip("|")
        locations = [self.name()]
        while self.skip("|"):
            locations.append(self.name())
        return ast.DirectiveDefinitionNode(
            description=desc, name=n, arguments=args, repeatable=repeatable, locations=tuple(locations)
        )

    def extension(self) -> ast.DefinitionNode:
        keyword = self.name().value
        if keyword == "schema":
            directives, ops = self.schema_body()
            return ast.SchemaExtensionNode(directives=directives, operation_types=ops)  # type: ignore[return-value]  # a document definition, though graphql-core derives it from Node only
        n = self.name()
        if keyword == "scalar":
            return ast.ScalarTypeExtensionNode(name=n, directives=self.directives())
        if keyword == "type":
            return ast.ObjectTypeExtensionNode(
                name=n, interfaces=self.implements(), directives=self.directives(), fields=self.fields()
            )
        if keyword == "interface":
            return ast.InterfaceTypeExtensionNode(
                name=n, interfaces=self.implements(), directives=self.directives(), fields=self.fields()
            )
        if keyword == "union":
            return ast.UnionTypeExtensionNode(name=n, directives=self.directives(), types=self.members())
        if keyword == "enum":
            return ast.EnumTypeExtensionNode(name=n, directives=self.directives(), values=self.enum_values())
        if keyword == "input":
            directives = self.directives()
            fields = self.input_values("}") if self.skip("{") else None
            return ast.InputObjectTypeExtensionNode(name=n, directives=directives, fields=fields)
        raise Unsupported


def _non_empty(items: list[Any]) -> tuple[Any, ...]:
    """A bracketed list must hold at least one item (graphql-core reports the error otherwise)."""
    if not items:
        raise Unsupported
    return tuple(items)


_DEFINITIONS = {
    "schema": _Parser.schema,
    "scalar": _Parser.scalar,
    "type": _Parser.object,
    "interface": _Parser.interface,
    "union": _Parser.union,
    "enum": _Parser.enum,
    "input": _Parser.input,
    "directive": _Parser.directive,
}


def parse_sdl(text: str) -> ast.DocumentNode:
    """The document, as graphql-core's `parse(text, no_location=True)` would build it.

    Raises Unsupported for anything outside type-system definitions, or any syntax it does not
    expect (the caller then parses with graphql-core, which reports errors properly)."""
    try:
        return _Parser(text).document()
    except (IndexError, ValueError, KeyError) as e:
        raise Unsupported from e
