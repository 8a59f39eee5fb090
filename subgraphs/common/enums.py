"""Enums several subgraphs expose; defined once so their SDL is identical everywhere."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="The covenant's three regional groups")
class Group(Enum):
    EMEA = "EMEA"
    APAC = "APAC"
    AMERICAS = "Americas"


@strawberry.enum
class ProjectStatus(Enum):
    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@strawberry.enum
class Sector(Enum):
    ENERGY = "energy"
    WATER = "water"
    HEALTH = "health"
    EDUCATION = "education"
    AGRICULTURE = "agriculture"
    CONNECTIVITY = "connectivity"
    TRANSPORT = "transport"
    CLIMATE = "climate"
