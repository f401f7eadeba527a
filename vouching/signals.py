"""What the vouching app tells the rest of the site."""

from django.dispatch import Signal

# Sent after a recalculation commits, with ``member_ids`` whose standing flipped between
# vouched and not vouched, and the ``generation`` it was computed from.
standing_changed = Signal()
