"""Reading the vouch graph out of the database and writing trust back, in bulk.

On PostgreSQL both directions use COPY in binary form: a million vouches load in about a
second and a million scores are written in a few, where row-by-row ORM calls would take
minutes. Other databases go through the ORM in chunks.

- ``bulk.py``: what both directions share: which database this is, binary COPY out.
- ``load.py``: the graph a recalculation computes on (members, accepted vouches,
  forfeits, the levels stored last time).
- ``rows.py``: the stored trust rows, read and upserted in bulk.
- ``store.py``: a metric's result held against the stored rows; what changed is written.
"""

from .load import load_trust_graph, pledge_weights
from .rows import TrustRows
from .store import SCORE_DECIMALS, StoredTrust, carried_by_text, store_scores, store_trust_result

__all__ = [
    "SCORE_DECIMALS",
    "StoredTrust",
    "TrustRows",
    "carried_by_text",
    "load_trust_graph",
    "pledge_weights",
    "store_scores",
    "store_trust_result",
]
