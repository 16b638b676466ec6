"""The section's students, for its coordinators: the students page and a student's page.

The list reads the page's own filter form and selector (matching.forms.StudentFilterForm,
matching.students.student_list): the API lists exactly the students the page lists.
"""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsCoordinator
from api.webforms import cleaned, query_parameters
from core import services
from core.models import CoordinatorNote, Profile, ProfileLanguage
from core.signin.models import ExternalIdentity
from matching import students as selectors
from matching.forms import StudentFilterForm
from matching.models import Pair


class ProgrammeState(serializers.ChoiceField):
    """What the page's status column says: out of the programme, unverified, matched..."""

    STATES = ["withdrawn", "deactivated", "unverified", "matched", "waiting", "stay_over"]

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=self.STATES, read_only=True, source="*", **kwargs)

    def to_representation(self, profile: Profile) -> str:
        if profile.status != Profile.Status.ACTIVE:
            return profile.status
        if not profile.is_verified:
            return "unverified"
        if profile.is_matched:
            return "matched"
        return "waiting" if profile.is_waiting else "stay_over"


class StudentSerializer(serializers.ModelSerializer):
    """A row of the students page."""

    email = serializers.EmailField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    nationality = serializers.CharField(source="nationality.code", read_only=True)
    place_of_study = serializers.CharField(source="place_of_study.name", read_only=True)
    email_verified = serializers.BooleanField(source="is_verified", read_only=True)
    state = ProgrammeState()

    class Meta:
        model = Profile
        fields = ["id", "email", "first_name", "last_name", "role", "status", "state"]
        fields += ["email_verified", "nationality", "place_of_study", "arrival_date"]
        fields += ["departure_date", "created_at"]


class SpokenLanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProfileLanguage
        fields = ["language", "level"]


class PairHistorySerializer(serializers.ModelSerializer):
    """A pair of the student's, with the other student's name (none once erased)."""

    partner_id = serializers.SerializerMethodField()
    partner_name = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = ["id", "partner_id", "partner_name", "confirmed_at", "ended_at", "end_reason"]
        fields += ["end_note", "origin"]

    def _partner(self, pair: Pair) -> Profile | None:
        return pair.buddy if self.context["profile"].is_incoming else pair.incoming

    def get_partner_id(self, pair: Pair) -> int | None:
        partner = self._partner(pair)
        return partner.pk if partner else None

    def get_partner_name(self, pair: Pair) -> str:
        partner = self._partner(pair)
        return partner.user.get_full_name() if partner else ""


class IdentitySerializer(serializers.ModelSerializer):
    """A sign-in service linked to the student's account (MyAcademicID: their institution
    and European Student Identifiers, as the service last gave them)."""

    class Meta:
        model = ExternalIdentity
        fields = ["provider", "home_organization", "student_identifiers", "linked_at"]


class StudentDetailSerializer(StudentSerializer):
    """What the coordinator's page of a student shows (its notes: `students/{id}/notes/`)."""

    languages = SpokenLanguageSerializer(many=True, read_only=True)
    hobbies = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    sign_in_services = IdentitySerializer(
        source="user.external_identities", many=True, read_only=True
    )
    pairs = serializers.SerializerMethodField()

    class Meta(StudentSerializer.Meta):
        fields = [*StudentSerializer.Meta.fields, "language", "birth_date", "gender"]
        fields += ["preferred_buddy_gender", "faculty", "study_level", "languages", "hobbies"]
        fields += ["home_university", "available_from", "available_until", "capacity"]
        fields += ["phone", "instagram", "about", "note_for_buddy", "sign_in_services", "pairs"]

    @extend_schema_field(PairHistorySerializer(many=True))
    def get_pairs(self, profile: Profile) -> list[dict]:
        pairs = selectors.pair_history(profile)
        return PairHistorySerializer(pairs, many=True, context={"profile": profile}).data


class NoteSerializer(serializers.ModelSerializer):
    author = serializers.EmailField(source="author.email", read_only=True, default="")

    class Meta:
        model = CoordinatorNote
        fields = ["id", "text", "author", "created_at"]
        read_only_fields = ["id", "author", "created_at"]


def _profile(profile_id: int) -> Profile:
    return get_object_or_404(Profile, pk=profile_id)


@extend_schema(
    tags=["students"],
    summary="The section's students, filtered as on the students page",
    parameters=query_parameters(StudentFilterForm),
)
class StudentList(generics.ListAPIView):
    serializer_class = StudentSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []  # the page's form filters (below)

    def get_queryset(self):
        filters = cleaned(StudentFilterForm(self.request.query_params))
        return selectors.student_list(filters, timezone.localdate())


@extend_schema(tags=["students"], summary="A student, as on the coordinator's page")
class StudentDetail(generics.RetrieveAPIView):
    serializer_class = StudentDetailSerializer
    permission_classes = [IsCoordinator]
    lookup_url_kwarg = "profile_id"

    def get_queryset(self):
        profiles = Profile.objects.select_related("user", "place_of_study").prefetch_related(
            "languages",
            "hobbies",
            Prefetch(
                "user__external_identities", queryset=ExternalIdentity.objects.order_by("provider")
            ),
        )
        return selectors.with_pair_state(profiles, timezone.localdate())


class StudentNotes(generics.ListCreateAPIView):
    """The coordinators' private notes about a student (students never see them)."""

    serializer_class = NoteSerializer
    permission_classes = [IsCoordinator]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return CoordinatorNote.objects.none()
        return (
            _profile(self.kwargs["profile_id"])
            .notes.select_related("author")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(tags=["students"], summary="A student's notes, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(tags=["students"], summary="Add a note about a student")
    def post(self, request: Request, profile_id: int) -> Response:
        profile = _profile(profile_id)
        serializer = NoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.add_note(request.user, profile, serializer.validated_data["text"])
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class _SetActive(APIView):
    permission_classes = [IsCoordinator]
    change: staticmethod

    @idempotent
    def post(self, request: Request, profile_id: int) -> Response:
        profile = _profile(profile_id)
        self.change(request.user, profile)
        profile = selectors.with_pair_state(
            Profile.objects.select_related("user", "place_of_study"), timezone.localdate()
        ).get(pk=profile.pk)
        return Response(StudentSerializer(profile).data)


@extend_schema(
    tags=["students"],
    summary="Deactivate a student: out of matching, their pairs end (their buddies are told)",
    request=None,
    responses=StudentSerializer,
)
class StudentDeactivate(_SetActive):
    change = staticmethod(services.deactivate_profile)


@extend_schema(
    tags=["students"],
    summary="Reactivate a deactivated student",
    request=None,
    responses=StudentSerializer,
)
class StudentReactivate(_SetActive):
    change = staticmethod(services.reactivate_profile)


urlpatterns = [
    path("students/", StudentList.as_view(), name="students"),
    path("students/<int:profile_id>/", StudentDetail.as_view(), name="student"),
    path("students/<int:profile_id>/notes/", StudentNotes.as_view(), name="student_notes"),
    path(
        "students/<int:profile_id>/deactivate/",
        StudentDeactivate.as_view(),
        name="student_deactivate",
    ),
    path(
        "students/<int:profile_id>/reactivate/",
        StudentReactivate.as_view(),
        name="student_reactivate",
    ),
]
