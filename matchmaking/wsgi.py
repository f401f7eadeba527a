import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from matchmaking.middleware import ChunkedBodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")

# A chunked body is counted before Django sees it (matchmaking/middleware.py).
application = ChunkedBodyLimit(get_wsgi_application())

# Import every view (and the libraries behind them) now, then take everything loaded so
# far out of the garbage collector's full passes: it lives as long as the process, and
# walking it again on every full collection paused requests by about 100 ms at a time.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
