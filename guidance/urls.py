from django.urls import path

from guidance import views

urlpatterns = [
    path("guidance/", views.GuidanceListView.as_view(), name="guidance-list"),
    path("guidance/for-me/", views.GuidanceForMeView.as_view(), name="guidance-for-me"),  # before the slug route
    path("guidance/<slug:slug>/", views.GuidanceDetailView.as_view(), name="guidance-detail"),
]
