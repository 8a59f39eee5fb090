"""Deferred fragments (`@defer`) in the normalised operation.

A deferred fragment is set apart from the fields around it (see `gateway.planner.defer_normalize`)
as a `DeferBlock` on the field list of the object it was selected on, keyed by that list's
identity (field lists are shared, so a block belongs to every place its list appears). A block's
own fields are a field list like any other, with its nested blocks attached the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.plan.fields import NField


@dataclass(eq=False)
class DeferBlock:
    """One deferred fragment on one runtime object type."""

    label: str | None
    type_name: str  # the runtime object type it applies to
    fields: list[NField]  # what it delivers (its nested blocks hang off these lists)


# id(field list) -> the deferred fragments selected on that object
DeferredFragments = dict[int, list[DeferBlock]]
