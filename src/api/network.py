"""/api/v1/network/…: the network admins' sections and statistics (root domain, session).

Scoped as the network pages are (network.scope): a national admin sees their countries'
sections only, and a section out of scope does not exist for them (404). The statistics are
the statistics page's, read from the nightly snapshots with its filters.
"""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsNetworkAdmin
from api.webforms import cleaned
from network import lifecycle
from network.forms import SectionSearchForm, StatisticsFilterForm
from network.scope import Scope, require_scope
from network.selectors import countries_with_sections, find_sections
from network.statistics import selectors as stats
from network.statistics.semesters import semester_label
from tenants.models import Section


def _scope(request: Request) -> Scope:
    return require_scope(request.user)


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
        scope = _scope(self.request)
        search = SectionSearchForm(self.request.GET, countries=countries_with_sections(scope))
        return find_sections(scope, **cleaned(search))


@extend_schema(tags=["network"], summary="A section in my scope")
class NetworkSection(generics.RetrieveAPIView):
    serializer_class = SectionDetailSerializer
    permission_classes = [IsNetworkAdmin]

    def get_object(self) -> Section:
        return _scope(self.request).section(self.kwargs["section_id"])

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "scope": _scope(self.request)}


class TotalsSerializer(serializers.Serializer):
    """Sums over the snapshots chosen; rates computed from the sums."""

    registered = serializers.IntegerField()
    match_rate = serializers.IntegerField(allow_null=True, help_text="Percent.")
    satisfaction = serializers.FloatField(allow_null=True, help_text="Mean rating, 1 to 5.")
    median_days = serializers.FloatField(allow_null=True)

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name in stats.COUNTED:
            fields[name] = serializers.IntegerField()
        return fields


class TrendSerializer(serializers.Serializer):
    semester = serializers.CharField()
    label = serializers.CharField()
    totals = TotalsSerializer()


class CountryFiguresSerializer(serializers.Serializer):
    country = serializers.CharField(help_text="The country's name.")
    totals = TotalsSerializer()


class SectionFiguresSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    city = serializers.CharField()
    country = serializers.CharField(help_text="The country's name.")
    totals = TotalsSerializer()


class NationalitySerializer(serializers.Serializer):
    country = serializers.CharField(help_text="The nationality's country name.")
    students = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    totals = TotalsSerializer()
    trend = TrendSerializer(many=True, help_text="Semester by semester, oldest first.")
    by_country = CountryFiguresSerializer(many=True)
    by_section = SectionFiguresSerializer(
        many=True, help_text=f"The {stats.SECTIONS_LISTED} sections with most registrations."
    )
    nationality_count = serializers.IntegerField()
    top_nationalities = NationalitySerializer(many=True)


@extend_schema(tags=["network"])
class NetworkStatistics(APIView):
    permission_classes = [IsNetworkAdmin]

    @extend_schema(
        summary="The statistics of my scope, from the nightly snapshots",
        parameters=[
            OpenApiParameter("country", str, description="A country code with figures."),
            OpenApiParameter("section", int, description="A section id (with its country)."),
            OpenApiParameter("semester", str, description="A semester: 2026-autumn, …"),
        ],
        responses=StatisticsSerializer,
    )
    def get(self, request: Request) -> Response:
        scope = _scope(request)
        offered = stats.selection(scope)
        filters = StatisticsFilterForm(
            request.GET,
            countries=offered.countries,
            sections=stats.section_choices(offered, scope, request.GET.get("country", "")),
            semesters=offered.semesters,
        )
        chosen = cleaned(filters)
        figures = stats.network_figures(
            scope,
            offered,
            country=chosen["country"],
            section=chosen["section"],
            semester=chosen["semester"],
        )
        body = {
            "totals": figures.totals,
            "trend": [
                {"semester": code, "label": str(semester_label(code)), "totals": totals}
                for code, totals in figures.trend
            ],
            "by_country": [
                {"country": country, "totals": totals} for country, totals in figures.by_country
            ],
            "by_section": figures.by_section,
            "nationality_count": figures.nationality_count,
            "top_nationalities": [
                {"country": country, "students": students}
                for country, students in figures.top_nationalities
            ],
        }
        return Response(StatisticsSerializer(body).data)


urlpatterns = [
    path("network/sections/", NetworkSections.as_view(), name="network_sections"),
    path("network/sections/<int:section_id>/", NetworkSection.as_view(), name="network_section"),
    path("network/statistics/", NetworkStatistics.as_view(), name="network_statistics"),
]
