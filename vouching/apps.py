from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VouchingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "vouching"
    verbose_name = _("Vouching")

    def ready(self):
        from . import checks, receivers  # noqa: F401
