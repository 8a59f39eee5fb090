"""Names the generated supergraph is made of: business domains, their entities, field words.

Plain data, so the generator reads like the shape of the graph and not like a word list. The
domains are those of a large retail and media platform: each becomes one "core" subgraph that
owns its entities and four "satellite" subgraphs (themes below) that extend entities of their
own and other domains.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DomainSpec:
    name: str  # subgraph name of the core, and prefix of its satellites
    interface: str  # an interface every entity of the domain implements
    entities: tuple[str, ...]


DOMAINS: tuple[DomainSpec, ...] = (
    DomainSpec("accounts", "Principal", ("User", "Organization", "Team")),
    DomainSpec("catalog", "Merchandise", ("Product", "Variant", "Brand", "Category")),
    DomainSpec("inventory", "Stocked", ("Warehouse", "StockLevel", "Bin")),
    DomainSpec("pricing", "PricingRule", ("PriceList", "Promotion", "Coupon")),
    DomainSpec("orders", "Transaction", ("Order", "OrderLine", "Cart")),
    DomainSpec("payments", "Ledgered", ("Payment", "Refund", "Invoice")),
    DomainSpec("shipping", "Trackable", ("Shipment", "Carrier", "Parcel")),
    DomainSpec("reviews", "Feedback", ("Review", "Rating", "Question")),
    DomainSpec("content", "Publishable", ("Article", "Page", "Author")),
    DomainSpec("media", "MediaAsset", ("Image", "Video", "Playlist")),
    DomainSpec("social", "SocialObject", ("Post", "Comment", "Community")),
    DomainSpec("support", "CaseItem", ("Ticket", "Agent", "HelpArticle")),
    DomainSpec("marketing", "Audience", ("Campaign", "Segment", "Newsletter")),
    DomainSpec("loyalty", "LoyaltyItem", ("Member", "Reward", "Tier")),
    DomainSpec("geography", "Place", ("Country", "Region", "Address")),
    DomainSpec("analytics", "Insight", ("Dashboard", "Report", "Metric")),
    DomainSpec("fraud", "RiskSubject", ("RiskAssessment", "Device", "FraudRule")),
    DomainSpec("recommendations", "Suggestion", ("Recommendation", "Model", "Experiment")),
    DomainSpec("identity", "Securable", ("Session", "Credential", "Role")),
    DomainSpec("suppliers", "Sourcing", ("Supplier", "PurchaseOrder", "Contract")),
)

# Satellite themes: a satellite `<domain>-<theme>` adds `<theme word><Noun>` fields.
THEMES: tuple[tuple[str, str], ...] = (
    ("ratings", "rating"),
    ("seo", "seo"),
    ("stats", "stat"),
    ("audit", "audit"),
    ("compliance", "compliance"),
    ("i18n", "locale"),
    ("forecast", "forecast"),
    ("ml", "predicted"),
    ("history", "history"),
    ("alerts", "alert"),
    ("sla", "sla"),
    ("risk", "risk"),
    ("tags", "tag"),
    ("sync", "sync"),
    ("quality", "quality"),
    ("search", "search"),
)

# Keys other than a plain `id`: compound keys and second keys.
COMPOUND_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "StockLevel": (("warehouseId", "ID!"), ("sku", "String!")),
    "Country": (("code", "String!"),),
    "Region": (("countryCode", "String!"), ("code", "String!")),
}
SECOND_KEYS: dict[str, tuple[str, str]] = {
    "Product": ("slug", "String!"),
    "User": ("email", "String!"),
    "Article": ("slug", "String!"),
    "Campaign": ("code", "String!"),
}

# Fields the core subgraph gives its entities, with their types ("Money" etc. are shared value types).
CORE_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "String"),
    ("title", "String"),
    ("description", "String"),
    ("createdAt", "String"),
    ("updatedAt", "String"),
    ("archived", "Boolean"),
    ("position", "Int"),
    ("weight", "Float"),
    ("priority", "Int"),
    ("score", "Float"),
    ("externalRef", "String"),
    ("locale", "String"),
    ("version", "Int"),
    ("notes", "String"),
    ("quantity", "Int"),
    ("cost", "Money"),
    ("validity", "DateRange"),
    ("location", "GeoPoint"),
    ("size", "Dimensions"),
    ("ownerEmail", "String"),
)

# Satellite field nouns per scalar type (`<theme><Noun>`).
NOUNS: dict[str, tuple[str, ...]] = {
    "Int": ("Count", "Rank", "Level", "Total", "Bucket", "Index", "Streak", "Days"),
    "Float": ("Score", "Ratio", "Average", "Weight", "Confidence", "Trend", "Delta"),
    "String": ("Label", "Summary", "Code", "Status", "Reason", "Note", "Owner", "Digest"),
    "Boolean": ("Enabled", "Flagged", "Verified", "Stale", "Pinned"),
    "Money": ("Value", "Budget", "Exposure"),
    "DateRange": ("Window", "Period"),
}

# Shareable value types: defined identically in every subgraph that uses them.
VALUE_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "Money": (("amount", "Float!"), ("currency", "String!")),
    "DateRange": (("start", "String!"), ("end", "String")),
    "GeoPoint": (("lat", "Float!"), ("lng", "Float!")),
    "Dimensions": (("width", "Float"), ("height", "Float"), ("depth", "Float"), ("unit", "String")),
}
