"""Authentication (JWT) and authorization (@authenticated, @requiresScopes, @policy) at the gateway.

`tokens` verifies a request's bearer token into a `Principal`; `rules` reads the access-control
directives of a supergraph; `filter` removes from an operation's field tree what a principal may
not see, once per (plan, access key).
"""
