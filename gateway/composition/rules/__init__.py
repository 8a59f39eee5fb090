"""Composition's validation rules, one per module (as graphql-core's `validation/rules`).

A rule is a function of the `CompositionContext` that reports into `ctx.sink`. `compose()` runs each
phase's list in order; `tests/composition/test_rules.py` runs any one of them alone.
Field-level @override handling (`override.validate_override`) is the one rule the merge calls per
field, because what it decides changes how the field is merged.
"""

from __future__ import annotations

from collections.abc import Callable

from ..context import CompositionContext
from .access_on_interfaces import check_access_on_interfaces
from .default_value_inaccessible import check_default_value_inaccessible
from .default_values import check_default_values
from .directive_arguments import check_directive_arguments
from .directive_placement import check_directive_placement
from .extension_with_no_base import check_extensions_have_base
from .external_usage import check_external_usage
from .field_sharing import check_field_sharing
from .implementations import check_subgraph_implementations, check_supergraph_implementations
from .inaccessible import check_inaccessible_references
from .interface_fields import check_interface_fields_implemented
from .interface_keys import check_interface_keys
from .interface_object_keys import check_interface_object_keys
from .keys import check_keys
from .provides import check_provides
from .references import check_references
from .required_not_deprecated import check_required_not_deprecated
from .requires import check_requires
from .satisfiability import check_satisfiability
from .subgraph_problems import check_subgraph_problems

Rule = Callable[[CompositionContext], None]

# On each subgraph as written, before a Federation 1 upgrade rewrites or drops parts of it.
AS_WRITTEN: tuple[Rule, ...] = (
    check_references,
    check_required_not_deprecated,
    check_default_values,
    check_directive_placement,
    check_extensions_have_base,
)
# On each upgraded subgraph with its metadata; the first two may stop later ones for a subgraph.
SUBGRAPH: tuple[Rule, ...] = (
    check_subgraph_problems,
    check_directive_arguments,
    check_subgraph_implementations,
    check_keys,
    check_access_on_interfaces,
    check_interface_object_keys,
    check_requires,
    check_provides,
    check_external_usage,
)
# On the merged supergraph, reported together with the merge's own errors.
MERGED: tuple[Rule, ...] = (
    check_interface_keys,
    check_interface_fields_implemented,
    check_field_sharing,
)
# On a supergraph that merged cleanly, each only while no error has been found.
SUPERGRAPH: tuple[Rule, ...] = (
    check_supergraph_implementations,
    check_inaccessible_references,
    check_default_value_inaccessible,
    check_satisfiability,
)
ALL: tuple[Rule, ...] = AS_WRITTEN + SUBGRAPH + MERGED + SUPERGRAPH
