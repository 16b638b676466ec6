from django.urls import path

from core.guides import views

app_name = "guides"
urlpatterns = [
    path("coordinator/guides/", views.manage, name="manage"),
    path("coordinator/guides/new/", views.create, name="create"),
    path("coordinator/guides/<int:guide_id>/edit/", views.edit, name="edit"),
    path("coordinator/guides/<int:guide_id>/delete/", views.delete, name="delete"),
    path("guides/", views.student_list, name="list"),
    path("guides/<int:guide_id>/", views.detail, name="detail"),
]
