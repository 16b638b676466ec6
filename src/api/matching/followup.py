"""The pair follow-up: pairs where a student asked for a new buddy, marked handled."""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.matching.common import TAGS, StudentFactsSerializer
from api.permissions import IsCoordinator
from matching.followup import selectors, services
from matching.followup.models import CheckIn
from matching.models import Pair


class CheckInSerializer(serializers.ModelSerializer):
    side = serializers.SerializerMethodField()
    answer = serializers.ChoiceField(choices=[("", ""), *CheckIn.Answer.choices])

    class Meta:
        model = CheckIn
        fields = ["side", "answer", "sent_at", "answered_at", "handled_at"]

    def get_side(self, checkin: CheckIn) -> str:
        """Whose answer: "incoming" or "buddy"."""
        return "incoming" if checkin.profile_id == checkin.pair.incoming_id else "buddy"


class AttentionSerializer(serializers.ModelSerializer):
    incoming = StudentFactsSerializer(allow_null=True, read_only=True)
    buddy = StudentFactsSerializer(allow_null=True, read_only=True)
    asked_at = serializers.DateTimeField(read_only=True)
    checkins = CheckInSerializer(many=True, read_only=True)

    class Meta:
        model = Pair
        fields = ["id", "incoming", "buddy", "confirmed_at", "asked_at", "checkins"]


@extend_schema(
    tags=TAGS, summary="Pairs where a student asked for a new buddy, oldest request first"
)
class AttentionList(generics.ListAPIView):
    serializer_class = AttentionSerializer
    permission_classes = [IsCoordinator]

    def get_queryset(self):
        return selectors.pairs_needing_attention()


class HandledSerializer(serializers.Serializer):
    handled = serializers.IntegerField(help_text="Requests for a new buddy marked handled.")


class MarkHandled(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Handled: keep the pair, take it off the attention list",
        request=None,
        responses={200: HandledSerializer},
    )
    def post(self, request: Request, pair_id: int) -> Response:
        pair = get_object_or_404(Pair.objects.active(), pk=pair_id)
        return Response({"handled": services.mark_handled(request.user, pair)})


urlpatterns = [
    path("follow-up/", AttentionList.as_view(), name="follow_up"),
    path("follow-up/<int:pair_id>/handled/", MarkHandled.as_view(), name="follow_up_handled"),
]
