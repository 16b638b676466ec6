from django.urls import path

from core.events import views

app_name = "events"
urlpatterns = [
    path("coordinator/events/", views.coordinator_events, name="coordinator_events"),
    path("coordinator/events/new/", views.new_event, name="new_event"),
    path("coordinator/events/<int:event_id>/", views.event_detail, name="event"),
    path("coordinator/events/<int:event_id>/edit/", views.edit_event, name="edit_event"),
    path(
        "coordinator/events/<int:event_id>/attendees.csv",
        views.export_attendees,
        name="export_attendees",
    ),
    path("events/", views.student_events, name="student_events"),
    path("events/calendar.ics", views.calendar, name="calendar"),
    path("events/<int:event_id>/register/", views.register, name="register"),
    path("events/<int:event_id>/cancel/", views.cancel, name="cancel"),
    path("coordinator/messages/", views.message_list, name="messages"),
    path("coordinator/messages/new/", views.new_message, name="new_message"),
    path("coordinator/messages/<int:message_id>/", views.message_detail, name="message"),
    path("coordinator/messages/<int:message_id>/edit/", views.edit_message, name="edit_message"),
    path("coordinator/messages/<int:message_id>/send/", views.send_message, name="send_message"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
]
