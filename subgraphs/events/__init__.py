"""Platform events on NATS JetStream: the subjects and payloads every producer and consumer share.

Every message is JSON (UTF-8) and carries the header `Nats-Msg-Id` = its `eventId`, which is the id
of the outbox row it was published from (a UUID). Subjects are lower-case; `<projectId>` is the
project id as stored (`prj-ams-001`), `<region>` a region code (ams, jnb, iad, sfo, syd, sin).

Stream COVENANT (`covenant.>`)
  covenant.metric.<region>.<projectId>   one per recorded metric point; region = the project's
      {"eventId", "projectId", "kind" (MetricKind as in the schema: PROGRESS, SPEND_USD, ...),
       "value": float, "at": ISO-8601 UTC (the point's time), "region"}
  covenant.project.<region>.<projectId>  a project was created or updated; region = its home region
      (after the update)
      {"eventId", "id", "region", "change": "created"|"updated", "at",
       "fields" (updates only: the input fields set, as the schema names them: ["name", "progress"])}

Stream ALERTS (`alerts.>`)
  alerts.<group>.<severity>   group: emea|americas|apac, severity: info|warning|critical
      {"eventId", "id" (alert id, the `alerts` row), "projectId", "group": "EMEA"|"AMERICAS"|"APAC",
       "severity": "INFO"|"WARNING"|"CRITICAL", "rule", "message", "at", "region" (the project's)}
      rules: spend_over_budget (CRITICAL), spend_near_budget (INFO), progress_stalled (WARNING),
      metric_out_of_range (WARNING); see `subgraphs.events.alerts`.

Stream NOTIFICATIONS (`notifications.>`)
  notifications.<projectId>   one per follower of the project and cause (an alert on it, or it
      was updated)
      {"eventId", "projectId", "region", "recipient" (the follower), "reason": "alert"|"project_updated",
       "causeEventId" (the event that caused it), "message", "at"}

Stream AUDIT (`audit.>`)
  audit.<region>.<kind>   who did what; region = where the mutation ran (the subgraph's region),
      kind = project_created | project_updated | metrics_recorded | project_followed | project_unfollowed
      {"eventId", "region", "kind", "actor" (the caller's subject, "anonymous" without one),
       "operation" (the mutation field), "target": {"type", "id"}, "details": {...}, "at"}

`at` is always ISO-8601 in UTC with a `Z` suffix. Fields may be added to a payload later; none will
be removed or change meaning.
"""
