"""requires-with-argument: @requires field sets that select fields with arguments
(`price(currency: "USD")`, `comments(limit: 3) { authorId }`) and nested entity lists
(`sameCommentOnOtherPosts { comments(limit: 50) { id } }`). Each requirement spans subgraphs: the
gateway must fetch it with the same arguments, then send it in the representation."""

from __future__ import annotations

from graphql import GraphQLError
from harness.resolvers import Obj, Subgraph

PRODUCTS = [
    {"upc": "p1", "name": "p-name-1", "price": 11, "weight": 1},
    {"upc": "p2", "name": "p-name-2", "price": 22, "weight": 2},
]
POSTS = [{"id": "p1", "body": "p1-body"}, {"id": "p2", "body": "p2-body"}]
COMMENTS = [
    {"id": "c1", "postId": "p1", "authorId": "a2", "body": "c1-body"},
    {"id": "c2", "postId": "p1", "authorId": "a2", "body": "c2-body"},
    {"id": "c3", "postId": "p1", "authorId": "a2", "body": "c3-body"},
    {"id": "c4", "postId": "p2", "authorId": "a1", "body": "c4-body"},
    {"id": "c5", "postId": "p2", "authorId": "a1", "body": "c5-body"},
    {"id": "c6", "postId": "p2", "authorId": "a1", "body": "c6-body"},
    {"id": "c7", "postId": "p2", "authorId": "a1", "body": "c3-body"},
]
AUTHORS = [{"id": "a1", "name": "a1-name"}, {"id": "a2", "name": "a2-name"}]


def _product_row(upc: str) -> Obj | None:
    return next((p for p in PRODUCTS if p["upc"] == upc), None)


# --- a: shippingEstimate = price * weight * 10, from the representation
def _a_product(rep: Obj) -> Obj | None:
    row = _product_row(rep["upc"])
    if row is None:
        return None
    price, weight, category = rep.get("price"), rep.get("weight"), rep.get("category")

    def shipping(_info: object) -> int:
        if price is None or weight is None:
            raise GraphQLError("price and weight were not provided")
        return price * weight * 10

    def expensive(_info: object) -> bool:
        if not isinstance(category, dict):
            raise GraphQLError("category.averagePrice was not provided")
        return category["averagePrice"] > 11

    return {"upc": row["upc"], "shippingEstimate": shipping, "isExpensiveCategory": expensive}


# --- b: products with price(currency) (the currency is ignored, as in the audit)
def _b_product(row: Obj | None) -> Obj | None:
    if row is None:
        return None
    return {
        "upc": row["upc"], "name": row["name"], "weight": row["weight"],
        "price": lambda _info, currency: row["price"], "category": None,
    }


# --- c: posts, comments with authorId/body, isCommentSpam from the requirement
def _c_comment_row(row: Obj) -> Obj:
    return {"id": row["id"], "authorId": row["authorId"], "body": row["body"]}


def _c_comment(rep: Obj) -> Obj | None:
    row = next((c for c in COMMENTS if c["id"] == rep["id"]), None)
    if row is None:
        return None
    others = rep.get("sameCommentOnOtherPosts")
    # Spam when the comment appears on other posts, checked on the full requirement (every id there).
    spam = bool(others) and all(all(c["id"] for c in p["comments"]) for p in others)
    return {**_c_comment_row(row), "isCommentSpam": spam}


def _c_post(rep: Obj) -> Obj | None:
    post = next((p for p in POSTS if p["id"] == rep["id"]), None)
    if post is None:
        return None
    return {"id": post["id"], "comments": lambda _info, limit: [
        _c_comment_row(c) for c in COMMENTS if c["postId"] == post["id"]][:limit]}


# --- d: Post.author requires comments(limit: 3) { authorId }; Comment.sameCommentOnOtherPosts
def _d_comment(row: Obj | None) -> Obj | None:
    if row is None:
        return None

    def same(_info: object) -> list[Obj]:
        return [_d_post_plain(c["postId"]) for c in COMMENTS
                if c["body"] == row["body"] and c["postId"] != row["postId"]]

    return {"id": row["id"], "sameCommentOnOtherPosts": same}


def _d_post_plain(post_id: str, author_id: str | None = None) -> Obj:
    def author(_info: object) -> Obj | None:
        if not author_id:
            return None
        return next((dict(a) for a in AUTHORS if a["id"] == author_id), None)

    return {
        "id": post_id, "author": author,
        "comments": lambda _info, limit: [_d_comment(c) for c in COMMENTS if c["postId"] == post_id][:limit],
    }


def _d_post(rep: Obj) -> Obj | None:
    post = next((p for p in POSTS if p["id"] == rep["id"]), None)
    if post is None:
        return None
    required = rep.get("comments")
    if required is not None:
        if len(required) != 3:
            raise GraphQLError("Expected 3 comments")
        return _d_post_plain(post["id"], required[2]["authorId"])
    return _d_post_plain(post["id"])


SUBGRAPHS = {
    "a": Subgraph(entities={"Product": _a_product}),
    "b": Subgraph(
        query={"products": lambda _info: [_b_product(p) for p in PRODUCTS]},
        entities={"Product": lambda rep: _b_product(_product_row(rep["upc"]))},
    ),
    "c": Subgraph(
        query={"feed": lambda _info: [_c_post(p) for p in POSTS]},
        entities={"Post": _c_post, "Comment": _c_comment},
    ),
    "d": Subgraph(
        entities={
            "Post": _d_post,
            "Comment": lambda rep: _d_comment(next((c for c in COMMENTS if c["id"] == rep["id"]), None)),
        },
    ),
}
