from django.urls import path

from .views import (
    account,
    circle,
    introductions,
    matches,
    my_profile,
    notifications,
    people,
    safety,
)

app_name = "matchmaking"

urlpatterns = [
    path("profile/", my_profile.profile_edit, name="profile"),
    path("profile/visibility/", my_profile.profile_pause, name="profile_pause"),
    path("profile/photos/", my_profile.photo_add, name="photo_add"),
    path("profile/photos/<int:photo_id>/delete/", my_profile.photo_delete, name="photo_delete"),
    path("profile/photos/<int:photo_id>/main/", my_profile.photo_main, name="photo_main"),
    # Before the photo files: "report" would otherwise be taken for a size.
    path("photos/<int:photo_id>/report/", safety.report_photo, name="report_photo"),
    path("photos/<int:photo_id>/<str:size>/", people.photo_file, name="photo"),
    path("browse/", people.browse, name="browse"),
    path("people/<uuid:public_id>/", people.profile_detail, name="person"),
    path("people/<uuid:public_id>/interest/", people.react, {"kind": "interest"}, name="interest"),
    path("people/<uuid:public_id>/pass/", people.react, {"kind": "pass"}, name="pass"),
    path(
        "people/<uuid:public_id>/introduce/",
        introductions.introduction_ask,
        name="introduction_ask",
    ),
    path("people/<uuid:public_id>/photos/confirm/", people.confirm_photos, name="confirm_photos"),
    path("people/<uuid:public_id>/report/", safety.report_profile, name="report_profile"),
    path("members/<uuid:public_id>/block/", safety.block, name="block"),
    path("vouches/<int:vouch_id>/report/", safety.report_vouch, name="report_vouch"),
    path("matches/", matches.matches, name="matches"),
    path("matches/<int:match_id>/", matches.match_detail, name="match"),
    path("matches/<int:match_id>/messages/", matches.match_messages, name="match_messages"),
    path("matches/<int:match_id>/unmatch/", matches.unmatch, name="unmatch"),
    path("messages/<int:message_id>/report/", safety.report_message, name="report_message"),
    path("introductions/", introductions.introductions, name="introductions"),
    path("introductions/new/", introductions.introduction_offer, name="introduction_offer"),
    path(
        "introductions/<int:introduction_id>/<str:action>/",
        introductions.introduction_act,
        name="introduction_act",
    ),
    path("notifications/", notifications.notifications, name="notifications"),
    path("circle/", circle.circle_view, name="circle"),
    path("settings/data/", account.data_export, name="data_export"),
    path("settings/data/download/", account.data_export_download, name="data_export_download"),
    path("settings/close/", account.account_close, name="account_close"),
    path("closed/", account.account_closed, name="account_closed"),
]
