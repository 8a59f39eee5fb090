"""nested-requires: service2's fields require `userOrders { id }`, and service3's userOrders itself
requires `lastName` from service1: a requirement whose own input is another requirement. Both
service2 fields share one requirement, fetched once. Entity references without a resolver echo
the representation, like Apollo's default `__resolveReference`."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph


def _service2_user(rep: Obj) -> Obj:
    def needs_orders(value: int) -> object:
        def resolve(_info: object) -> int:
            if not isinstance(rep.get("userOrders"), list):
                raise GraphQLError("UserOrders is required to be an array")
            return value

        return resolve

    return {**rep, "totalOrdersPrices": needs_orders(0), "aggregatedOrdersByStatus": needs_orders(1)}


def _service3_user(rep: Obj) -> Obj:
    def user_orders(_info: object) -> list[Obj]:
        if not rep.get("lastName"):
            raise GraphQLError("LastName is required")
        return [{"id": f"{rep['lastName']}1"}]

    return {**rep, "userOrders": user_orders}


SUBGRAPHS = {
    "service1": Subgraph(
        query={"user": lambda _info: {"id": 1, "firstName": "Jake", "lastName": "Dawkins", "address": "everywhere"}},
        entities={"User": dict},
    ),
    "service2": Subgraph(entities={"User": _service2_user}),
    "service3": Subgraph(entities={"User": _service3_user, "UserOrder": dict}),
}
