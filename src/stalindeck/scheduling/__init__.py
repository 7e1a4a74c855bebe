"""Scheduling: rows ⇄ fsrs.Card, the study day, the daily queue."""
