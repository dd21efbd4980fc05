from django.urls import path
from rest_framework.routers import SimpleRouter

from tracking import views

router = SimpleRouter()
router.register("footwear", views.FootwearViewSet, basename="footwear")
router.register("episodes", views.EpisodeViewSet, basename="episode")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("journal", views.JournalViewSet, basename="journal")
router.register("escalations", views.EscalationViewSet, basename="escalation")

urlpatterns = [
    path("me/export/", views.ExportView.as_view(), name="export"),
    path("insights/", views.InsightsView.as_view(), name="insights"),
    *router.urls,
]
