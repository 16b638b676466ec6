"""The API of the root domain: the sections directory (anyone), the network's admins."""

from django.urls import include, path, re_path

from api import directory, docs, errors, network

app_name = "api"
v1 = [
    *docs.schema_urls("api.urls_public"),
    *directory.urlpatterns,
    *network.urlpatterns,
    re_path(r"^[\s\S]*$", errors.not_found, name="not_found"),
]
urlpatterns = [
    path("api/", docs.index, name="index"),
    path("api/v1/", include(v1)),
]
