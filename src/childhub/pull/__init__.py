"""Pulls from the source systems' databases, their schedules, and the watched folder."""

__all__: list[str] = []
