"""/api/v1/me/events/…: the events a student sees (the events page's), registering and
cancelling with the same services: places, the waiting list and its order, the email to the
student who gets a freed place."""

from django.http import Http404
from django.urls import path
from django.utils import timezone
from django.utils.translation import get_language
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsStudent
from core.events import selectors, services
from core.events.models import EventRegistration
from core.events.selectors import StudentEvent
from core.models import Profile


class EventClosed(exceptions.APIException):
    """The service refused (not open to the student, already started...): its words say why."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "event_closed"


class StudentEventSerializer(serializers.Serializer):
    """An event as the events page shows it to the student, in the reader's language."""

    id = serializers.IntegerField(source="event.pk")
    title = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    starts_at = serializers.DateTimeField(source="event.starts_at")
    ends_at = serializers.DateTimeField(source="event.ends_at", allow_null=True)
    place = serializers.CharField(source="event.place")
    places_left = serializers.IntegerField()
    registration = serializers.ChoiceField(
        source="status",
        choices=EventRegistration.Status.choices,
        allow_null=True,
        help_text="The student's own registration, if any.",
    )
    waiting_position = serializers.IntegerField(
        allow_null=True, help_text="On the waiting list: the student's place in it (1 is next)."
    )
    open = serializers.SerializerMethodField(help_text="Whether registering or cancelling is open.")

    def get_title(self, row: StudentEvent) -> str:
        return row.event.title_in(get_language()).text

    def get_description(self, row: StudentEvent) -> str:
        return row.event.description_in(get_language()).text

    def get_open(self, row: StudentEvent) -> bool:
        return row.event.starts_at > timezone.now()


def _profile(request: Request) -> Profile:
    return Profile.objects.select_related("user").get(user=request.user)


def _row(profile: Profile, event_id: int) -> StudentEvent:
    """The event as the student sees it; an event not theirs to see does not exist for them."""
    rows = selectors.student_event_list(profile, event_id)
    if not rows:
        raise Http404
    return rows[0]


@extend_schema(tags=["events"], summary="The events I can go to, with my registration")
class MyEvents(generics.ListAPIView):
    serializer_class = StudentEventSerializer
    permission_classes = [IsStudent]
    filter_backends = []  # the events page has no filter

    def get_queryset(self) -> list[StudentEvent]:
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no student
            return []
        return selectors.student_event_list(_profile(self.request))


ACTION_RESPONSES = {
    200: StudentEventSerializer,
    409: OpenApiResponse(description="Not open: the event started, or the student may not."),
}


@extend_schema(tags=["events"])
class Register(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Take a place, or join the waiting list when the event is full",
        request=None,
        responses=ACTION_RESPONSES,
    )
    def post(self, request: Request, event_id: int) -> Response:
        profile = _profile(request)
        _row(profile, event_id)
        try:
            services.register_for_event(event_id, profile)
        except services.EventClosed as error:
            raise EventClosed(str(error)) from error
        return Response(StudentEventSerializer(_row(profile, event_id)).data)


@extend_schema(tags=["events"])
class Cancel(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Give up my place (the first on the waiting list gets it) or leave the list",
        request=None,
        responses=ACTION_RESPONSES,
    )
    @idempotent
    def post(self, request: Request, event_id: int) -> Response:
        profile = _profile(request)
        _row(profile, event_id)
        try:
            services.cancel_registration(event_id, profile)
        except services.EventClosed as error:
            raise EventClosed(str(error)) from error
        return Response(StudentEventSerializer(_row(profile, event_id)).data)


urlpatterns = [
    path("me/events/", MyEvents.as_view(), name="my_events"),
    path("me/events/<int:event_id>/register/", Register.as_view(), name="my_event_register"),
    path("me/events/<int:event_id>/cancel/", Cancel.as_view(), name="my_event_cancel"),
]
