"""Parse, validate and pick the operation of a request; coerce its variables.

Parsing and validation happen once per distinct document text per schema (`DocumentCache`); a
request then only selects its operation and coerces its variables.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    parse,
    validate,
)
from graphql.execution.values import get_variable_values
from graphql.language import Visitor, visit

from gateway import prescan
from gateway.errors import RequestError
from gateway.lru import LRU


@dataclass(frozen=True)
class Limits:
    """What protects the process from hostile documents."""

    max_tokens: int = 15_000
    max_depth: int = 32
    max_aliases: int = 200
    max_root_fields: int = 100
    # Fields after fragment expansion, per runtime type: the size of the answer's shape. Caps the
    # "fragment bomb" (fragments that fan out exponentially) before planning.
    max_fields: int = 20_000
    # Fields sharing a response key in one selection set (fragments flattened) are compared pairwise
    # by validation (OverlappingFieldsCanBeMerged): the sum of the squares of those counts bounds
    # that work, so a document of thousands of same-named fields is refused before it runs.
    max_overlap: int = 5_000


@dataclass
class PreparedDocument:
    text: str
    hash: str
    document: DocumentNode | None
    errors: list[GraphQLError]
    operations: dict[str | None, OperationDefinitionNode] = field(default_factory=dict)
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    condition_variables: tuple[str, ...] = ()  # variables used by @skip/@include (and @defer's `if`)
    has_defer: bool = False  # uses @defer: planned for incremental delivery when the client takes it


class _ConditionVariables(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.defer = False

    def enter_directive(self, node: Any, *_: Any) -> None:
        if node.name.value == "defer":
            self.defer = True
        if node.name.value in ("skip", "include", "defer"):
            for arg in node.arguments or ():
                if isinstance(arg.value, VariableNode) and arg.value.name.value not in self.names:
                    self.names.append(arg.value.name.value)


def _depth_and_aliases(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    memo: dict[str, tuple[int, int]],
    visiting: frozenset[str] = frozenset(),
) -> tuple[int, int]:
    """Depth and alias count of a selection with fragments expanded. Each fragment is measured
    once (memo), so a document built to expand exponentially costs linear time to measure."""
    if selection_set is None:
        return 0, 0
    depth, aliases = 0, 0
    for s in selection_set.selections:
        if isinstance(s, FieldNode):
            d, a = _depth_and_aliases(s.selection_set, fragments, memo, visiting)
            depth = max(depth, d + 1)
            aliases += a + (1 if s.alias else 0)
        elif isinstance(s, InlineFragmentNode):
            d, a = _depth_and_aliases(s.selection_set, fragments, memo, visiting)
            depth, aliases = max(depth, d), aliases + a
        elif isinstance(s, FragmentSpreadNode):
            name = s.name.value
            if name in visiting or name not in fragments:
                continue  # cycles and unknown fragments are validation's to report
            if name not in memo:
                memo[name] = _depth_and_aliases(fragments[name].selection_set, fragments, memo, visiting | {name})
            d, a = memo[name]
            depth, aliases = max(depth, d), aliases + a
    return depth, aliases


def _overlap(document: DocumentNode, fragments: dict[str, FragmentDefinitionNode], limit: int) -> int:
    """Σ count² over response keys repeated within a selection set, stopping past `limit`.

    As validation does, a fragment counts once per selection set however often (and through
    however many other fragments) it is spread there; each fragment's own fields and the
    fragments it reaches are computed once (memo), so this is linear in the document."""
    direct_memo: dict[str, tuple[Counter[str], frozenset[str]]] = {}

    def direct(ss: SelectionSetNode) -> tuple[Counter[str], frozenset[str]]:
        """The keys selected here (inline fragments flattened) and the fragments spread here."""
        counts: Counter[str] = Counter()
        spreads: set[str] = set()
        stack = [ss]
        while stack:
            for sel in stack.pop().selections:
                if isinstance(sel, FieldNode):
                    counts[sel.alias.value if sel.alias else sel.name.value] += 1
                elif isinstance(sel, InlineFragmentNode):
                    stack.append(sel.selection_set)
                elif isinstance(sel, FragmentSpreadNode) and sel.name.value in fragments:
                    spreads.add(sel.name.value)
        return counts, frozenset(spreads)

    def of_fragment(name: str) -> tuple[Counter[str], frozenset[str]]:
        if name not in direct_memo:
            direct_memo[name] = direct(fragments[name].selection_set)
        return direct_memo[name]

    def reachable(names: frozenset[str]) -> set[str]:
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(of_fragment(name)[1])
        return seen

    total = 0
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        ss = getattr(node, "selection_set", None)
        if ss is None:
            continue
        counts, spreads = direct(ss)
        if spreads:
            counts = counts.copy()
            for name in reachable(spreads):
                counts.update(of_fragment(name)[0])
        total += sum(c * c for c in counts.values() if c > 1)
        if total > limit:
            return total
        stack.extend(ss.selections)
    return total


def _too_deep(depth: int, limits: Limits) -> GraphQLError:
    return GraphQLError(f"Operation is too deep: depth {depth} exceeds the limit of {limits.max_depth}.")


def _too_many_aliases(aliases: int, limits: Limits) -> GraphQLError:
    return GraphQLError(f"Operation uses {aliases} aliases, more than the limit of {limits.max_aliases}.")


def _too_much_overlap() -> GraphQLError:
    return GraphQLError(
        "The operation repeats the same response names too often (fields or fragments that"
        " would all have to be compared with each other); use fewer duplicate selections."
    )


def _prescan_errors(text: str, limits: Limits) -> list[GraphQLError]:
    """The limits measured on the text itself, before graphql-core spends ~2 µs per byte parsing it."""
    measures = prescan.measure(text, limits.max_overlap)
    if measures.tokens > limits.max_tokens:
        return [GraphQLError(f"Syntax Error: Document contains more than {limits.max_tokens} tokens. Parsing aborted.")]
    errors = [_too_deep(d, limits) for d in measures.depth.values() if d > limits.max_depth]
    errors += [_too_many_aliases(a, limits) for a in measures.aliases.values() if a > limits.max_aliases]
    if not errors and measures.overlap > limits.max_overlap:
        errors.append(_too_much_overlap())
    return errors


# Below this size parsing costs less than the scan saves: small documents go straight to the parser.
PRESCAN_BYTES = 2048


def prepare(schema: GraphQLSchema, text: str, limits: Limits) -> PreparedDocument:
    digest = hashlib.sha256(text.encode()).hexdigest()
    if len(text) >= PRESCAN_BYTES:
        errors = _prescan_errors(text, limits)
        if errors:
            # A refusal of the limits is a validation failure, as when the tree-based checks below
            # refuse it; an over-long document is a parse failure (no document), as graphql-core's.
            tree = None if errors[0].message.startswith("Syntax Error") else DocumentNode(definitions=())
            return PreparedDocument(text, digest, tree, errors)
    try:
        document = parse(text, no_location=False, max_tokens=limits.max_tokens)
    except GraphQLError as e:
        return PreparedDocument(text, digest, None, [e])
    prepared = PreparedDocument(text, digest, document, [])
    for d in document.definitions:
        if isinstance(d, FragmentDefinitionNode):
            prepared.fragments[d.name.value] = d
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            depth, aliases = _depth_and_aliases(d.selection_set, prepared.fragments, {})
            if depth > limits.max_depth:
                prepared.errors.append(_too_deep(depth, limits))
            if aliases > limits.max_aliases:
                prepared.errors.append(_too_many_aliases(aliases, limits))
    if prepared.errors:
        return prepared
    if _overlap(document, prepared.fragments, limits.max_overlap) > limits.max_overlap:
        prepared.errors.append(_too_much_overlap())
        return prepared
    prepared.errors = list(validate(schema, document, max_errors=20))
    if prepared.errors:
        return prepared
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode):
            prepared.operations[d.name.value if d.name else None] = d
    collector = _ConditionVariables()
    visit(document, collector)
    prepared.condition_variables = tuple(collector.names)
    prepared.has_defer = collector.defer
    return prepared


class DocumentCache:
    """LRU of prepared documents keyed by document text (one cache per schema), bounded by entries
    and by bytes of text (a parsed document is some tens of times its text; comments and
    whitespace cost no tokens, so the text size is what bounds a hostile client)."""

    def __init__(self, schema: GraphQLSchema, limits: Limits, size: int = 1024, max_bytes: int = 8 * 1024 * 1024) -> None:
        self.schema = schema
        self.limits = limits
        self.size = size
        self.max_bytes = max_bytes
        self._entries: LRU[str, PreparedDocument] = LRU(size, max_bytes, _text_size)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        return int(self._entries.currsize)

    def __contains__(self, text: object) -> bool:
        """Parsed and validated already (a trace's `charter.document.cache`); no LRU touch."""
        return text in self._entries

    def get(self, text: str) -> PreparedDocument:
        try:
            return self._entries[text]
        except KeyError:
            pass
        entry = prepare(self.schema, text, self.limits)
        if len(text) * 4 > self.max_bytes:
            return entry  # too large to keep: prepared again if it comes again
        self._entries[text] = entry
        return entry


def _text_size(prepared: PreparedDocument) -> int:
    return len(prepared.text)


def select_operation(prepared: PreparedDocument, operation_name: str | None) -> OperationDefinitionNode:
    ops = prepared.operations
    if operation_name is None:
        if len(ops) == 1:
            return next(iter(ops.values()))
        raise RequestError("Must provide operation name if query contains multiple operations.")
    op = ops.get(operation_name)
    if op is None:
        raise RequestError(f'Unknown operation named "{operation_name}".')
    return op


def coerce_variables(
    schema: GraphQLSchema, operation: OperationDefinitionNode, raw: dict[str, Any] | None
) -> dict[str, Any]:
    """Validate the request's variables; returns them as JSON to forward, defaults applied."""
    defs = operation.variable_definitions or ()
    if not defs:
        return {}
    result = get_variable_values(schema, defs, raw or {}, max_errors=20)
    if isinstance(result, list):
        raise RequestError.from_errors(result)
    from graphql import value_from_ast_untyped

    forwarded: dict[str, Any] = {}
    raw = raw or {}
    for d in defs:
        name = d.variable.name.value
        if name in raw:
            forwarded[name] = raw[name]
        elif d.default_value is not None:
            forwarded[name] = value_from_ast_untyped(d.default_value)
    return forwarded


def operation_kind(operation: OperationDefinitionNode) -> str:
    return {
        OperationType.QUERY: "query",
        OperationType.MUTATION: "mutation",
        OperationType.SUBSCRIPTION: "subscription",
    }[operation.operation]
