from django.urls import path

from matching.followup import views

app_name = "followup"
urlpatterns = [
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("survey/<str:token>/", views.survey, name="survey"),
    path("coordinator/follow-up/", views.coordinator, name="coordinator"),
    path("coordinator/follow-up/<int:pair_id>/handled/", views.handled, name="handled"),
    path("coordinator/follow-up/surveys/", views.surveys, name="surveys"),
]
