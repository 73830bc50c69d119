"""What the child and family pages read: ``child`` and ``family`` (search and review: ``childhub.link``).

Every function takes the snapshot's cursor (``Snapshot.cursor()``) and returns plain values (dicts, lists,
dates) that a template shows and the API returns as JSON. Nothing here checks who is asking: the routes
do (``childhub.web.scope``), and pass a scope predicate where a query lists children.

A child is named by its ``child_key``: ``C<child_id>`` once linkage has given it a child ID, else
``<source_system>:<person_id>`` (see ``fact_person``).
"""
