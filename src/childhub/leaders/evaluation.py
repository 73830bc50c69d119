"""The self-evaluation (FOUNDATION STUB for issue 16: the self-evaluation helper builds it)."""
