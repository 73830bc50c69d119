"""The live hub: ``childhub serve`` owns the store's single writer while it serves (see docs/ARCHITECTURE.md)."""

__all__: list[str] = []
