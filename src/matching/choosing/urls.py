from django.urls import path

from matching.choosing import views

app_name = "choosing"
urlpatterns = [
    path("requests/", views.requests, name="requests"),
    path("requests/<int:incoming_id>/take/", views.take, name="take"),
]
