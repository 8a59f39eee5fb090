"""The normalised operation a plan answers: what the executor needs besides the fetches."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import FragmentDefinitionNode, OperationDefinitionNode

from gateway.plan.fields import NField


@dataclass(frozen=True, eq=False)
class Operation:
    """The client's operation for one set of condition values and one access key."""

    kind: str  # "query" | "mutation" | "subscription"
    name: str | None
    text: str  # the document it was selected from
    fields: list[NField]  # what the client gets back (authorization-denied fields answer null)
    plan_fields: list[NField]  # what is planned (fields authorization removed are not)
    errors: tuple[dict[str, Any], ...] = ()  # the plan's own errors (denied fields), in every answer
    # The operation's definition and the document's fragments: introspection answers from them.
    definition: OperationDefinitionNode | None = field(default=None, repr=False)
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict, repr=False)
    # Derived once per operation by later stages (demand control's estimate).
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def __eq__(self, other: object) -> bool:
        """Equal when they are the same operation of the same document, normalised to the same
        fields (field trees compare by value: their JSON)."""
        if not isinstance(other, Operation):
            return NotImplemented
        if self is other:
            return True
        from gateway.plan.operation_json import operation_to_json  # it imports this module

        return operation_to_json(self) == operation_to_json(other)

    def __hash__(self) -> int:
        return hash((self.kind, self.name, self.text))
