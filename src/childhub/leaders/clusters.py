"""Clusters and the most vulnerable children (FOUNDATION STUB for issue 16: the clusters helper builds it)."""
