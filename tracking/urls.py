from django.urls import path
from rest_framework.routers import SimpleRouter

from tracking import views

router = SimpleRouter()
router.register("episodes", views.EpisodeViewSet, basename="episode")  # what phones ask for most, first
router.register("footwear", views.FootwearViewSet, basename="footwear")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("journal", views.JournalViewSet, basename="journal")
router.register("escalations", views.EscalationViewSet, basename="escalation")

urlpatterns = [
    *router.urls,
    path("me/export/", views.ExportView.as_view(), name="export"),
    path("insights/", views.InsightsView.as_view(), name="insights"),
]
