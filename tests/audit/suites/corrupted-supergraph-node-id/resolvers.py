"""corrupted-supergraph-node-id: `node` is shared by a and b, but a cannot resolve Chat.id and b
cannot resolve Account.id (both @external there): composition accepts it, yet `node { id }` has
no valid plan and must be an error. Each subgraph answers "never" for the id it does not own, so a
gateway that reads an external id shows. (data.ts is not in the stored copy of the audit: the
data is read back from the expected answers.)"""

from __future__ import annotations

from harness.resolvers import Obj, Subgraph

ACCOUNTS = [{"id": "a1", "username": "a1-username"}]
CHATS = [{"id": "c1", "accountId": "a1", "text": "c1-text"}]


def _find(rows: list[Obj], row_id: object) -> Obj | None:
    return next((r for r in rows if r["id"] == row_id), None)


def _a_account(row: Obj | None) -> Obj | None:
    return None if row is None else {"__typename": "Account", "id": row["id"], "username": row["username"]}


def _a_chat(row: Obj | None, chat_id: str | None = None) -> Obj | None:
    if row is None:
        return None
    return {"__typename": "Chat", "id": chat_id or row["id"],
            "account": lambda _info: _a_account(_find(ACCOUNTS, row["accountId"]))}


def _b_chat(row: Obj | None) -> Obj | None:
    return None if row is None else {"__typename": "Chat", "id": row["id"], "text": row["text"]}


def _b_account(row: Obj | None, account_id: str | None = None) -> Obj | None:
    if row is None:
        return None
    return {"__typename": "Account", "id": account_id or row["id"],
            "chats": lambda _info: [_b_chat(c) for c in CHATS if c["accountId"] == row["id"]]}


def _a_node(_info: object, id: str) -> Obj | None:
    return _a_account(_find(ACCOUNTS, id)) or _a_chat(_find(CHATS, id), chat_id="never")


def _b_node(_info: object, id: str) -> Obj | None:
    return _b_account(_find(ACCOUNTS, id), account_id="never") or _b_chat(_find(CHATS, id))


SUBGRAPHS = {
    "a": Subgraph(
        query={"node": _a_node, "account": lambda _info, id: _a_account(_find(ACCOUNTS, id))},
        entities={
            "Account": lambda rep: _a_account(_find(ACCOUNTS, rep["id"])),
            "Chat": lambda rep: _a_chat(_find(CHATS, rep["id"])),
        },
    ),
    "b": Subgraph(
        query={"node": _b_node, "chat": lambda _info, id: _b_chat(_find(CHATS, id))},
        entities={
            "Account": lambda rep: _b_account(_find(ACCOUNTS, rep["id"])),
            "Chat": lambda rep: _b_chat(_find(CHATS, rep["id"])),
        },
    ),
}
