"""The DfE's daily children's social care API: records built from the hub, sent when they change."""

__all__: list[str] = []
