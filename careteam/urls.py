from django.urls import path

from careteam import views

urlpatterns = [
    path("care-team/", views.CareTeamView.as_view(), name="care-team"),
    path("care-team/invites/", views.InvitesView.as_view(), name="care-team-invites"),
    path("care-team/access-log/", views.AccessLogView.as_view(), name="care-team-access-log"),
    path("care-team/<uuid:pk>/", views.CareTeamMemberView.as_view(), name="care-team-member"),
    path("me/report.pdf", views.ReportPdfView.as_view(), name="report-pdf"),
    path("me/export.csv", views.RecordsCsvView.as_view(), name="records-csv"),
]
