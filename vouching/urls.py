from django.urls import path

from . import views

app_name = "vouching"

urlpatterns = [
    path("vouch/", views.vouch_new, name="vouch_new"),
    path("vouches/<int:vouch_id>/accept/", views.vouch_accept, name="vouch_accept"),
    path("vouches/<int:vouch_id>/decline/", views.vouch_decline, name="vouch_decline"),
    path("vouches/<int:vouch_id>/withdraw/", views.vouch_withdraw, name="vouch_withdraw"),
    path(
        "invitations/<int:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("join/<str:token>/", views.invitation_landing, name="invitation"),
    path("members/<uuid:public_id>/", views.member_detail, name="member"),
    path("members/<uuid:public_id>/vouch/", views.member_vouch, name="member_vouch"),
    path("members/<uuid:public_id>/photo/", views.member_avatar, name="member_avatar"),
    path("standing/", views.standing, name="standing"),
    path("standing/panel/", views.standing_panel, name="standing_panel"),
    path("appeals/<int:record_id>/", views.appeal, name="appeal"),
    path("settings/", views.member_settings, name="settings"),
    path("language/", views.language_switch, name="language"),
]
