from django.urls import path, re_path

from core.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("students/", views.students, name="students"),
    path("students/<int:profile_id>/", views.student, name="student"),
    path("students/<int:profile_id>/active/", views.set_student_active, name="set_student_active"),
    path("settings/", views.section_settings, name="settings"),
    re_path(r"^settings/(?P<kind>places|hobbies)/$", views.catalogue, name="catalogue"),
    path("team/", views.team, name="team"),
    path(
        "team/<int:user_id>/deactivate/",
        views.deactivate_coordinator,
        name="deactivate_coordinator",
    ),
    path("audit/", views.audit_log, name="audit_log"),
]
