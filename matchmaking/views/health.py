"""The health endpoint, for a load balancer or a monitor: 200 when PostgreSQL, the cache,
the broker and a worker all answer, 503 otherwise, with a JSON body saying which. It is
served over plain http too (``SECURE_REDIRECT_EXEMPT``) and never cached."""

from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import selectors


@never_cache
@require_safe
def health(request):
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
