"""System checks of the site's configuration."""

import os

from django.core.checks import Warning, register

from .environment import old_names_in


@register()
def environment_old_names(app_configs, **kwargs):
    """An environment variable under its old name still works, for this release only:
    say so wherever checks run (``migrate``, ``check``, ``runserver``)."""
    warnings = []
    for old, new in old_names_in(os.environ):
        if new in os.environ:
            message = f"{old} and {new} are both set: unset {old}, the old name."
        else:
            message = f"{old} is an old name: set {new} instead."
        warnings.append(
            Warning(
                message,
                hint="Pledge's environment variables are named PLEDGE_…; the old names stop "
                "working in the next release.",
                id="pledge.W001",
            )
        )
    return warnings
