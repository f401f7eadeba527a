"""The console's pages, one module per area; every view is ``moderator_required``."""
