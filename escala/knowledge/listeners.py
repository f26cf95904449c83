"""Reactions to ticket events (connected in apps.ready)."""
