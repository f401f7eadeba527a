"""System checks of the vouching app's configuration."""

from django.conf import settings
from django.core.checks import Error, register

from .trust import METRICS


@register()
def trust_metric_known(app_configs, **kwargs):
    """Every recalculation would fail with an unknown ``PLEDGE_TRUST_METRIC``: say so at
    start-up instead."""
    name = settings.PLEDGE_TRUST_METRIC
    if name in METRICS:
        return []
    return [
        Error(
            f"PLEDGE_TRUST_METRIC is {name!r}, which is not a trust metric.",
            hint=f"Choose one of: {', '.join(sorted(METRICS))}.",
            id="vouching.E001",
        )
    ]
