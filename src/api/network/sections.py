"""The sections of a network admin's scope: list and detail as the network pages scope them
(a section out of scope does not exist for them: 404); closing or reopening a portal, inviting
a section's coordinators (root domain, session)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.network.scope import admin_scope
from api.permissions import IsNetworkAdmin
from api.webforms import cleaned
from network import lifecycle
from network.forms import EmailForm, SectionSearchForm
from network.selectors import countries_with_sections, find_sections
from network.statistics import selectors as stats
from network.statistics.semesters import semester_label
from tenants.models import Section


class NetworkSectionSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="schema_name")
    country = serializers.CharField(source="country.code")
    url = serializers.URLField(source="portal_url")

    class Meta:
        model = Section
        fields = ["id", "slug", "name", "city", "country", "kind", "default_language", "url"]
        fields += ["is_active", "set_up", "created_at"]


class CoordinatorSerializer(serializers.Serializer):
    email = serializers.EmailField()
    is_active = serializers.BooleanField()
    invited = serializers.SerializerMethodField(help_text="Invited, no password chosen yet.")

    def get_invited(self, coordinator) -> bool:
        return not coordinator.has_usable_password()


class SemesterSerializer(serializers.Serializer):
    semester = serializers.CharField()
    label = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField()
    registered_incoming = serializers.IntegerField()
    registered_buddies = serializers.IntegerField()
    pairs_made = serializers.IntegerField()
    match_rate = serializers.FloatField(allow_null=True, help_text="Between 0 and 1.")
    median_days_to_pair = serializers.FloatField(allow_null=True)

    def get_label(self, snapshot) -> str:
        return str(semester_label(snapshot.semester))


class SectionDetailSerializer(NetworkSectionSerializer):
    coordinators = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField(help_text="Its last semesters, oldest first.")

    class Meta(NetworkSectionSerializer.Meta):
        fields = [*NetworkSectionSerializer.Meta.fields, "coordinators", "history"]

    @extend_schema_field(CoordinatorSerializer(many=True))
    def get_coordinators(self, section: Section) -> list:
        scope = self.context["scope"]
        return CoordinatorSerializer(lifecycle.coordinators_of(scope, section), many=True).data

    @extend_schema_field(SemesterSerializer(many=True))
    def get_history(self, section: Section) -> list:
        history = stats.section_history(section.pk, limit=8)
        return SemesterSerializer([row for _label, row in history], many=True).data


SEARCH_PARAMETERS = [
    OpenApiParameter("q", str, description="Part of the section's name or city."),
    OpenApiParameter("country", str, description="A country code of the admin's scope."),
]


@extend_schema(tags=["network"], summary="The sections in my scope", parameters=SEARCH_PARAMETERS)
class NetworkSections(generics.ListAPIView):
    serializer_class = NetworkSectionSerializer
    permission_classes = [IsNetworkAdmin]
    filter_backends = []  # the page's search form filters (a 400 where the page ignores it)

    def get_queryset(self):
        scope = admin_scope(self.request)
        search = SectionSearchForm(self.request.GET, countries=countries_with_sections(scope))
        return find_sections(scope, **cleaned(search))


@extend_schema(tags=["network"], summary="A section in my scope")
class NetworkSection(generics.RetrieveAPIView):
    serializer_class = SectionDetailSerializer
    permission_classes = [IsNetworkAdmin]

    def get_object(self) -> Section:
        return admin_scope(self.request).section(self.kwargs["section_id"])

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "scope": admin_scope(self.request)}


class ActiveSerializer(serializers.Serializer):
    active = serializers.BooleanField(help_text="false closes the portal (its data is kept).")


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()


@extend_schema(tags=["network"])
class SectionActive(APIView):
    permission_classes = [IsNetworkAdmin]

    @extend_schema(
        summary="Close or reopen a section's portal",
        request=ActiveSerializer,
        responses=SectionDetailSerializer,
    )
    def post(self, request: Request, section_id: int) -> Response:
        scope = admin_scope(request)
        section = scope.section(section_id)
        body = ActiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        lifecycle.set_active(scope, section, body.validated_data["active"])
        return Response(SectionDetailSerializer(section, context={"scope": scope}).data)


@extend_schema(tags=["network"])
class InviteCoordinator(APIView):
    permission_classes = [IsNetworkAdmin]

    @extend_schema(
        summary="Invite a coordinator to a section (an email with a link to set a password)",
        description="An address that has an account in the section already is refused (400): "
        "sending the same invitation again does not invite twice.",
        request=InviteSerializer,
        responses={201: CoordinatorSerializer(many=True)},
    )
    def post(self, request: Request, section_id: int) -> Response:
        scope = admin_scope(request)
        section = scope.section(section_id)
        email = cleaned(EmailForm(request.data))["email"]
        lifecycle.invite_section_coordinator(scope, section, email)
        coordinators = lifecycle.coordinators_of(scope, section)
        return Response(CoordinatorSerializer(coordinators, many=True).data, status=201)
