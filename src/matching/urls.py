from django.urls import path

from matching import views

app_name = "matching"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("runs/", views.start_run, name="start_run"),
    path("runs/<int:run_id>/", views.review, name="review"),
    path("runs/<int:run_id>/decide/", views.decide, name="decide"),
    path("pairs/", views.pairs, name="pairs"),
    path("pairs/new/", views.new_pair, name="new_pair"),
    path("pairs/new/find/<slug:role>/", views.find_student, name="find_student"),
    path("pairs/<int:pair_id>/end/", views.end_pair, name="end_pair"),
    path("waiting/", views.waiting, name="waiting"),
    path("settings/", views.policy, name="policy"),
]
