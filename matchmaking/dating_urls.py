from django.urls import path

from . import views

app_name = "matchmaking"

urlpatterns = [
    path("profile/", views.profile_edit, name="profile"),
    path("profile/visibility/", views.profile_pause, name="profile_pause"),
    path("profile/photos/", views.photo_add, name="photo_add"),
    path("profile/photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
    path("profile/photos/<int:photo_id>/main/", views.photo_main, name="photo_main"),
    # Before the photo files: "report" would otherwise be taken for a size.
    path("photos/<int:photo_id>/report/", views.report_photo, name="report_photo"),
    path("photos/<int:photo_id>/<str:size>/", views.photo_file, name="photo"),
    path("browse/", views.browse, name="browse"),
    path("people/<uuid:public_id>/", views.profile_detail, name="person"),
    path("people/<uuid:public_id>/interest/", views.react, {"kind": "interest"}, name="interest"),
    path("people/<uuid:public_id>/pass/", views.react, {"kind": "pass"}, name="pass"),
    path("people/<uuid:public_id>/introduce/", views.introduction_ask, name="introduction_ask"),
    path("people/<uuid:public_id>/photos/confirm/", views.confirm_photos, name="confirm_photos"),
    path("people/<uuid:public_id>/report/", views.report_profile, name="report_profile"),
    path("members/<uuid:public_id>/block/", views.block, name="block"),
    path("vouches/<int:vouch_id>/report/", views.report_vouch, name="report_vouch"),
    path("matches/", views.matches, name="matches"),
    path("matches/<int:match_id>/", views.match_detail, name="match"),
    path("matches/<int:match_id>/messages/", views.match_messages, name="match_messages"),
    path("matches/<int:match_id>/unmatch/", views.unmatch, name="unmatch"),
    path("messages/<int:message_id>/report/", views.report_message, name="report_message"),
    path("introductions/", views.introductions, name="introductions"),
    path("introductions/new/", views.introduction_offer, name="introduction_offer"),
    path(
        "introductions/<int:introduction_id>/<str:action>/",
        views.introduction_act,
        name="introduction_act",
    ),
    path("notifications/", views.notifications, name="notifications"),
    path("circle/", views.circle_view, name="circle"),
]
