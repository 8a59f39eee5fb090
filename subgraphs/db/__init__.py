"""The data layer: tables, engines (primary and regional replica), migrations, read routing."""
