"""/api/v1/guides/…: the guides a student reads, chosen as on the guides pages (their role's,
published; listed in the reader's language or for all languages)."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.permissions import IsStudent
from core.guides import selectors
from core.guides.models import Guide
from core.models import Profile


class GuideSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Guide
        fields = ["id", "title", "audience", "language", "updated_at"]


class GuideSerializer(serializers.ModelSerializer):
    body = serializers.CharField(help_text="Plain text; empty lines separate paragraphs.")

    class Meta:
        model = Guide
        fields = ["id", "title", "body", "audience", "language", "updated_at"]


def _profile(request) -> Profile:
    return Profile.objects.get(user=request.user)


@extend_schema(tags=["guides"], summary="The guides for me, in my language or for all")
class Guides(generics.ListAPIView):
    serializer_class = GuideSummarySerializer
    permission_classes = [IsStudent]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no student
            return Guide.objects.none()
        return selectors.guides_for(_profile(self.request), get_language())


@extend_schema(tags=["guides"], summary="A guide")
class GuideDetail(generics.RetrieveAPIView):
    serializer_class = GuideSerializer
    permission_classes = [IsStudent]

    def get_object(self) -> Guide:
        # as the guide's page: any of the student's guides, also one in another language
        visible = selectors.visible_to(_profile(self.request))
        return get_object_or_404(visible, pk=self.kwargs["guide_id"])


urlpatterns = [
    path("guides/", Guides.as_view(), name="guides"),
    path("guides/<int:guide_id>/", GuideDetail.as_view(), name="guide"),
]
