"""The section's events, for its coordinators: list, create, change, attendees and their CSV.

Bodies are checked by the event page's own form (core.events.forms.EventForm): an event cannot
start in the past, must end after it starts, keeps at least as many places as are taken.
Times are ISO 8601; without an offset they are the section's time zone, as on the page.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.csv_answers import FileNegotiation, csv_file
from api.permissions import IsCoordinator
from api.webforms import cleaned, one_of
from core.events import selectors, services
from core.events.forms import EventForm
from core.events.models import Audience, Event, EventRegistration
from core.translated import other_languages

WHEN = ("coming", "past")
# What a new event is when the body leaves them out: the model's defaults (a form would read
# a missing checkbox as unticked).
NEW_EVENT = {
    name: Event._meta.get_field(name).default for name in ("audience", "published", "description")
}


class TranslationSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=150, allow_blank=True, required=False, default="")
    description = serializers.CharField(
        max_length=5000, allow_blank=True, required=False, default=""
    )


class EventSerializer(serializers.ModelSerializer):
    """An event as coordinators see it, with its places taken and its waiting list's length."""

    translations = serializers.DictField(
        child=TranslationSerializer(),
        read_only=True,
        help_text="The title and description in the section's other languages, by code.",
    )
    registered_count = serializers.IntegerField(read_only=True)
    waiting_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Event
        fields = ["id", "title", "starts_at", "ends_at", "place", "capacity", "audience"]
        fields += ["description", "translations", "published", "registered_count"]
        fields += ["waiting_count", "created_at", "updated_at"]


class EventWriteSerializer(serializers.Serializer):
    """An event's fields, as the event page's form takes them (all of them to create one,
    those to change to update one)."""

    title = serializers.CharField(max_length=150)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    place = serializers.CharField(max_length=200)
    capacity = serializers.IntegerField(min_value=1, max_value=100000)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    description = serializers.CharField(max_length=5000, allow_blank=True, required=False)
    translations = serializers.DictField(
        child=TranslationSerializer(),
        required=False,
        help_text="The title and description in the section's other languages, by code.",
    )
    published = serializers.BooleanField(required=False)

    def validate_translations(self, translations: dict) -> dict:
        codes = {code for code, _name in other_languages(self.context["own_language"])}
        unknown = sorted(set(translations) - codes)
        if unknown:
            raise serializers.ValidationError(
                _("Not one of the section's other languages (%(known)s): %(unknown)s.")
                % {"known": ", ".join(sorted(codes)), "unknown": ", ".join(unknown)}
            )
        return translations


def _form_data(values: dict) -> dict:
    """A body in the event form's own fields (its translations are `title_<code>`...)."""
    data = {name: value for name, value in values.items() if name != "translations"}
    for code, texts in values.get("translations", {}).items():
        data[f"title_{code}"] = texts.get("title", "")
        data[f"description_{code}"] = texts.get("description", "")
    if data.get("ends_at") is None:
        data["ends_at"] = ""
    return data


def _saved_values(event: Event) -> dict:
    """What the event page's form shows of a saved event (times to the minute, as it does)."""
    return {
        "title": event.title,
        "starts_at": event.starts_at.replace(second=0, microsecond=0),
        "ends_at": event.ends_at,
        "place": event.place,
        "capacity": event.capacity,
        "audience": event.audience,
        "description": event.description,
        "translations": event.translations,
        "published": event.published,
    }


def _checked(request: Request, *, partial: bool) -> dict:
    own_language = request.section.default_language
    serializer = EventWriteSerializer(
        data=request.data, partial=partial, context={"own_language": own_language}
    )
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _event_with_counts(event_id: int) -> Event:
    return get_object_or_404(selectors.with_counts(Event.objects.all()), pk=event_id)


class EventList(generics.ListAPIView):
    serializer_class = EventSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []

    def get_queryset(self):
        when = self.request.query_params.get("when", "coming")
        if when not in WHEN:
            raise exceptions.ValidationError({"when": [one_of(WHEN)]})
        coming, past = selectors.coordinator_events()
        return coming if when == "coming" else past

    @extend_schema(
        tags=["events"],
        summary="The events to come (soonest first), or the latest past ones (latest first)",
        parameters=[
            OpenApiParameter("when", OpenApiTypes.STR, enum=list(WHEN), description="coming")
        ],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["events"],
        summary="Create an event",
        request=EventWriteSerializer,
        responses={201: EventSerializer},
    )
    def post(self, request: Request) -> Response:
        values = NEW_EVENT | _checked(request, partial=False)
        form = EventForm(_form_data(values), own_language=request.section.default_language)
        event = services.create_event(request.user, cleaned(form))
        return Response(
            EventSerializer(_event_with_counts(event.pk)).data, status=status.HTTP_201_CREATED
        )


class EventDetail(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(tags=["events"], summary="An event", responses=EventSerializer)
    def get(self, request: Request, event_id: int) -> Response:
        return Response(EventSerializer(_event_with_counts(event_id)).data)

    @extend_schema(
        tags=["events"],
        summary="Change an event (the fields sent); more places move waiting students up",
        request=EventWriteSerializer,
        responses=EventSerializer,
    )
    def patch(self, request: Request, event_id: int) -> Response:
        event = get_object_or_404(Event, pk=event_id)
        values = _saved_values(event) | _checked(request, partial=True)
        own_language = request.section.default_language
        fields = cleaned(EventForm(_form_data(values), instance=event, own_language=own_language))
        try:
            services.update_event(event.pk, fields)
        except services.CapacityBelowRegistrations as error:  # registrations came meanwhile
            too_few = {"capacity": [_too_few_places(error.registered)]}
            raise exceptions.ValidationError(too_few) from error
        return Response(EventSerializer(_event_with_counts(event.pk)).data)


def _too_few_places(count: int) -> str:
    return ngettext(
        "%(count)d student is already registered: keep at least that many places.",
        "%(count)d students are already registered: keep at least that many places.",
        count,
    ) % {"count": count}


class AttendeeSerializer(serializers.ModelSerializer):
    profile_id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(source="profile.user.first_name", read_only=True)
    last_name = serializers.CharField(source="profile.user.last_name", read_only=True)
    email = serializers.EmailField(source="profile.user.email", read_only=True)
    role = serializers.CharField(source="profile.role", read_only=True)
    registered_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = EventRegistration
        fields = ["id", "profile_id", "first_name", "last_name", "email", "role", "status"]
        fields += ["registered_at"]


@extend_schema(
    tags=["events"],
    summary="An event's attendees: the registered students, then its waiting list in order",
)
class EventAttendees(generics.ListAPIView):
    serializer_class = AttendeeSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return EventRegistration.objects.none()
        return selectors.attendees(get_object_or_404(Event, pk=self.kwargs["event_id"]))


@extend_schema(
    tags=["events"],
    summary="An event's attendees as a CSV file (the export is in the audit log)",
    responses=csv_file("name, email, role, status, registered at"),
)
class EventAttendeesExport(APIView):
    permission_classes = [IsCoordinator]
    content_negotiation_class = FileNegotiation

    def get(self, request: Request, event_id: int) -> HttpResponse:
        event = get_object_or_404(Event, pk=event_id)
        response = HttpResponse(
            services.export_attendees(event, request.user), content_type="text/csv; charset=utf-8"
        )
        filename = f"event-{event.pk}-attendees-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


urlpatterns = [
    path("coordinator/events/", EventList.as_view(), name="coordinator_events"),
    path("coordinator/events/<int:event_id>/", EventDetail.as_view(), name="coordinator_event"),
    path(
        "coordinator/events/<int:event_id>/attendees/",
        EventAttendees.as_view(),
        name="coordinator_event_attendees",
    ),
    path(
        "coordinator/events/<int:event_id>/attendees/export/",
        EventAttendeesExport.as_view(),
        name="coordinator_event_attendees_export",
    ),
]
