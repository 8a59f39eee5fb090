"""Demand control: the estimated cost of an operation from `@cost`/`@listSize` (the IBM GraphQL
cost specification as Apollo Router reads it), refused over budget before any fetch, and the
actual cost of answers measured for operators."""
