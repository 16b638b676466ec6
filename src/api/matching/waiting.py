"""The incoming students waiting for a buddy, as the waiting page lists them, each with the
reason the last run that considered them gave."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from api.matching.common import TAGS, StudentFactsSerializer
from api.permissions import IsCoordinator
from matching import selectors
from matching.models import WaitingListEntry


class WaitingEntrySerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=WaitingListEntry.Reason.choices)
    label = serializers.CharField(source="get_reason_display")
    run = serializers.IntegerField(source="run_id", allow_null=True)
    told_at = serializers.DateTimeField(allow_null=True)


class WaitingStudentSerializer(StudentFactsSerializer):
    last_run = serializers.SerializerMethodField()

    @extend_schema_field(WaitingEntrySerializer(allow_null=True))
    def get_last_run(self, profile) -> dict | None:
        """Why the last run that considered them left them waiting (null: in no run yet)."""
        entry = getattr(profile, "waiting_list_entry", None)
        return WaitingEntrySerializer(entry).data if entry is not None else None


@extend_schema(tags=TAGS, summary="The incoming students waiting for a buddy, as the page")
class WaitingList(generics.ListAPIView):
    serializer_class = WaitingStudentSerializer
    permission_classes = [IsCoordinator]

    def get_queryset(self):
        return selectors.waiting_students()


urlpatterns = [path("waiting/", WaitingList.as_view(), name="waiting")]
