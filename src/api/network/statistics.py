"""The statistics of a network admin's scope: the statistics page's, read from the nightly
snapshots, with its filters (one it does not offer is a 400)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.network.scope import admin_scope
from api.permissions import IsNetworkAdmin
from api.webforms import cleaned
from network.forms import StatisticsFilterForm
from network.statistics import selectors as stats
from network.statistics.semesters import semester_label


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
        scope = admin_scope(request)
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
