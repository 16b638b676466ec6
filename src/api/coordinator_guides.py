"""The section's guides, for its coordinators: write, change, delete (students read theirs at
`guides/`). Bodies are checked by the guide page's own form (core.guides.forms.GuideForm)."""

from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsCoordinator
from api.webforms import cleaned
from core.guides import services
from core.guides.forms import GuideForm
from core.guides.models import Guide

# What a new guide is when the body leaves them out: the model's defaults (a form would read
# a missing checkbox as unticked, a missing number as missing).
NEW_GUIDE = {name: Guide._meta.get_field(name).default for name in ("language", "published")}
NEW_GUIDE["order"] = Guide._meta.get_field("order").default


class CoordinatorGuideSerializer(serializers.ModelSerializer):
    class Meta:
        model = Guide
        fields = ["id", *services.FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


def _checked(request: Request, *, partial: bool) -> dict:
    serializer = CoordinatorGuideSerializer(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class GuideList(generics.ListAPIView):
    serializer_class = CoordinatorGuideSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []
    queryset = Guide.objects.all()

    @extend_schema(tags=["guides"], summary="Every guide of the section, published or not")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["guides"],
        summary="Write a guide",
        request=CoordinatorGuideSerializer,
        responses={201: CoordinatorGuideSerializer},
    )
    def post(self, request: Request) -> Response:
        fields = cleaned(GuideForm(NEW_GUIDE | _checked(request, partial=False)))
        guide = services.create_guide(**fields)
        return Response(CoordinatorGuideSerializer(guide).data, status=status.HTTP_201_CREATED)


class GuideDetail(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(tags=["guides"], summary="A guide", responses=CoordinatorGuideSerializer)
    def get(self, request: Request, guide_id: int) -> Response:
        return Response(CoordinatorGuideSerializer(get_object_or_404(Guide, pk=guide_id)).data)

    @extend_schema(
        tags=["guides"],
        summary="Change a guide (the fields sent)",
        request=CoordinatorGuideSerializer,
        responses=CoordinatorGuideSerializer,
    )
    def patch(self, request: Request, guide_id: int) -> Response:
        guide = get_object_or_404(Guide, pk=guide_id)
        values = model_to_dict(guide, fields=services.FIELDS) | _checked(request, partial=True)
        # the form changes the instance it checks: the service starts again from the row
        fields = cleaned(GuideForm(values, instance=Guide.objects.get(pk=guide.pk)))
        guide = services.update_guide(guide, **fields)
        return Response(CoordinatorGuideSerializer(guide).data)

    @extend_schema(tags=["guides"], summary="Delete a guide", responses={204: None})
    def delete(self, request: Request, guide_id: int) -> Response:
        services.delete_guide(get_object_or_404(Guide, pk=guide_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


urlpatterns = [
    path("coordinator/guides/", GuideList.as_view(), name="coordinator_guides"),
    path("coordinator/guides/<int:guide_id>/", GuideDetail.as_view(), name="coordinator_guide"),
]
