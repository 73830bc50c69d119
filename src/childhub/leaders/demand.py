"""The front door and demand, and the projection of children in care (FOUNDATION STUB for issue 16)."""
