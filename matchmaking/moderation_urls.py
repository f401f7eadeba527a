from django.urls import path

from . import moderation

app_name = "moderation"

urlpatterns = [
    path("", moderation.dashboard, name="dashboard"),
    path("reports/", moderation.reports, name="reports"),
    path("reports/<int:report_id>/", moderation.report_detail, name="report"),
    path("members/<uuid:public_id>/", moderation.member_detail, name="member"),
    path("members/<uuid:public_id>/<str:action>/", moderation.member_action, name="member_action"),
    path("photos/<int:photo_id>/<str:size>/", moderation.photo, name="photo"),
    path("vouches/<int:vouch_id>/revoke/", moderation.vouch_revoke, name="vouch_revoke"),
    path("rings/", moderation.rings, name="rings"),
    path("log/", moderation.log, name="log"),
    path("log.csv", moderation.log_csv, name="log_csv"),
    path("appeals/", moderation.appeals, name="appeals"),
    path("appeals/<int:appeal_id>/decide/", moderation.appeal_decide, name="appeal_decide"),
]
