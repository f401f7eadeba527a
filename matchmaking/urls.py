from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from .views.health import health
from .views.home import home

urlpatterns = [
    path("", home, name="home"),
    path("health/", health, name="health"),
    path("accounts/", include("allauth.urls")),
    path(settings.PLEDGE_ADMIN_PATH, admin.site.urls),
    path("", include("vouching.urls")),
    path("", include("matchmaking.dating_urls")),
    path("moderation/", include("matchmaking.moderation.urls")),
]

handler500 = "matchmaking.views.errors.server_error"
