from django.urls import path, re_path

from coordinator import views
from coordinator.exports import views as exports

app_name = "coordinator"
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
    path("emails/<int:message_id>/retry/", views.retry_email, name="retry_email"),
    path("export/", exports.export_page, name="export"),
    path("export/students/", exports.export_students, name="export_students"),
    path("export/pairs/", exports.export_pairs, name="export_pairs"),
]
