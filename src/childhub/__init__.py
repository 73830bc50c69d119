"""childhub: a live, multi-agency children's data hub for English local authorities."""

__version__ = "0.1.0"
