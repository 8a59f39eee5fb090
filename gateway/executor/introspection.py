"""`__schema` and `__type` root fields: answered by the gateway from the API schema."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
)

from gateway.plan.fields import NField


def answer(
    schema: GraphQLSchema,
    fields: list[NField],
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    nodes = tuple(n for nf in fields if nf.name in ("__schema", "__type") for n in nf.nodes)
    if not nodes:
        return {}, []
    op = OperationDefinitionNode(
        operation=OperationType.QUERY,
        selection_set=SelectionSetNode(selections=nodes),
        variable_definitions=operation.variable_definitions or (),
        directives=(),
    )
    doc = DocumentNode(definitions=(op, *fragments.values()))
    result = execute_sync(schema, doc, variable_values=variables)
    errors = [e.formatted for e in result.errors or ()]
    return dict(result.data or {}), errors  # type: ignore[arg-type]
