from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    default = True  # this module also holds the admin's configuration, below
    default_auto_field = "django.db.models.BigAutoField"
    name = "matchmaking"
    verbose_name = _("Matchmaking")

    def ready(self):
        # Models load only once the registry is ready, hence the imports here.
        from vouching.models import ModerationRecord

        from . import checks, receivers  # noqa: F401
        from .models import ReportAction

        # The moderation log lists report work between a member's standing lost and
        # appeals, as it always has.
        ModerationRecord.add_actions(ReportAction, before=ModerationRecord.Action.APPEAL_UPHELD)


class PledgeAdminConfig(admin_apps.AdminConfig):
    """Django's admin, on Pledge's site: behind the console's door (``admin_site``)."""

    default = False
    default_site = "matchmaking.admin_site.PledgeAdminSite"
