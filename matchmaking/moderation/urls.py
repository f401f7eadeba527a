from django.urls import path

from .views.appeals import appeal_decide_view, appeals
from .views.log import dashboard, log, log_csv
from .views.members import member_action, member_detail, photo, vouch_revoke_view
from .views.reports import report_detail, reports
from .views.rings import rings

app_name = "moderation"

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("reports/", reports, name="reports"),
    path("reports/<int:report_id>/", report_detail, name="report"),
    path("members/<uuid:public_id>/", member_detail, name="member"),
    path("members/<uuid:public_id>/<str:action>/", member_action, name="member_action"),
    path("photos/<int:photo_id>/<str:size>/", photo, name="photo"),
    path("vouches/<int:vouch_id>/revoke/", vouch_revoke_view, name="vouch_revoke"),
    path("rings/", rings, name="rings"),
    path("log/", log, name="log"),
    path("log.csv", log_csv, name="log_csv"),
    path("appeals/", appeals, name="appeals"),
    path("appeals/<int:appeal_id>/decide/", appeal_decide_view, name="appeal_decide"),
]
