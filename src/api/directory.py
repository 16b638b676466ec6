"""The root domain's public directory of sections: who runs a buddy programme where."""

import django_filters
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers

from tenants.models import Section
from tenants.selectors import active_sections


class SectionSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(read_only=True)
    country = serializers.CharField(source="country.code", read_only=True)
    url = serializers.URLField(source="portal_url", read_only=True)
    registrations_open = serializers.BooleanField(source="set_up", read_only=True)

    class Meta:
        model = Section
        fields = ["slug", "name", "city", "country", "kind", "default_language", "url"]
        fields += ["registrations_open"]


class SectionFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(field_name="country", lookup_expr="iexact")

    class Meta:
        model = Section
        fields = ["country", "kind"]


@extend_schema(tags=["directory"], summary="The sections open to students")
class SectionDirectory(generics.ListAPIView):
    serializer_class = SectionSerializer
    filterset_class = SectionFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return active_sections().order_by("country", "name", "pk")


urlpatterns = [path("sections/", SectionDirectory.as_view(), name="directory")]
