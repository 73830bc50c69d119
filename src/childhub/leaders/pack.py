"""The scrutiny pack (FOUNDATION STUB for issue 16: the scrutiny-pack helper builds it)."""
