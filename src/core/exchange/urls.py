from django.urls import path

from core.exchange import views

app_name = "exchange"
urlpatterns = [
    path("coordinator/import/", views.import_page, name="import"),
    path("coordinator/import/<int:batch_id>/", views.preview, name="preview"),
    path("coordinator/import/<int:batch_id>/commit/", views.commit, name="commit"),
    path("invitation/<str:token>/", views.complete, name="complete"),
]
