"""The API of a section's host (students, coordinators, integrations with a token)."""

from django.urls import include, path, re_path

from api import (
    coordinator_events,
    coordinator_guides,
    docs,
    errors,
    exports,
    guides,
    imports,
    matching,
    me,
    messages,
    offers,
    requests_api,
    student_events,
    students,
    token_api,
)

app_name = "api"
v1 = [
    *docs.schema_urls("api.urls_section"),
    *token_api.urlpatterns,
    *students.urlpatterns,
    *imports.urlpatterns,
    *coordinator_events.urlpatterns,
    *matching.urlpatterns,
    *me.urlpatterns,
    *student_events.urlpatterns,
    *guides.urlpatterns,
    *offers.urlpatterns,
    *messages.urlpatterns,
    *coordinator_guides.urlpatterns,
    *exports.urlpatterns,
    *requests_api.urlpatterns,
    re_path(r"^[\s\S]*$", errors.not_found, name="not_found"),
]
urlpatterns = [
    path("api/", docs.index, name="index"),
    path("api/v1/", include(v1)),
]
