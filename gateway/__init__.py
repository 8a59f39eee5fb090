"""An Apollo Federation v2 gateway.

The request path reads from the module names: `http/` -> `pipeline` -> `operation` (parse/validate)
-> `planner/` (plan, cached) -> `executor/` (fetch, merge, shape) -> response.
"""
