"""What the hand-written SQL of both apps shares: a condition on a list of ids that works
the same on PostgreSQL and SQLite, however long the list.

The trust paths and the browse page write a few queries in plain SQL, where building ORM
queries costs more than running them; this is the one piece they have in common.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import connection


def sql_in(column: str, values: Iterable[int], *, join: bool = False) -> tuple[str, list]:
    """``column`` is one of ``values``, as one query parameter however many they are
    (SQLite caps the number of parameters; PostgreSQL plans one array faster).
    ``join``: the values are a set to match rows against, not to look rows up by: on
    PostgreSQL a semi-join, which hashes them, where ``= ANY`` next to another indexed
    condition makes the planner intersect two index scans."""
    values = list(values)
    if connection.vendor == "postgresql":
        if join:
            return f"{column} IN (SELECT unnest(%s::bigint[]))", [values]
        return f"{column} = ANY(%s)", [values]
    return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps(values)]
