"""Progress statistics: SQL aggregates from the store, turned into plain dataclasses."""
