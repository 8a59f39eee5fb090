"""Caches the gateway keeps in Redis: entities and root fields, plans (second level), and the
event-driven invalidation that keeps them fresh. Every cache degrades to a miss when Redis fails."""
