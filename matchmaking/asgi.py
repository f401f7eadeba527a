import gc
import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "matchmaking.settings")

application = get_asgi_application()

# As in wsgi.py: views loaded, then the long-lived heap kept out of full collections.
get_resolver().url_patterns  # noqa: B018
gc.collect()
gc.freeze()
