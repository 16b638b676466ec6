from django.urls import path

from network import support_views

app_name = "support"
urlpatterns = [path("<str:token>/", support_views.enter, name="enter")]
