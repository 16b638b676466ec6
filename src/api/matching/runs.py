"""Match runs: start one (one at a time), list them, poll one's progress, read its figures."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.matching.common import TAGS
from api.permissions import IsCoordinator
from matching import review, services
from matching.explanations import constraint_name
from matching.models import MatchRun


class RunInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A matching run is already in progress. Wait for it to finish.")
    default_code = "run_in_progress"


class ShortageSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="The constraint that alone rules every buddy out.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class RunResultSerializer(serializers.Serializer):
    """A finished run's figures, as the matching page shows them."""

    incoming_count = serializers.IntegerField()
    buddy_count = serializers.IntegerField()
    matched = serializers.IntegerField()
    left_waiting = serializers.IntegerField()
    total_score = serializers.IntegerField(help_text="The engine's raw total.")
    lowest_score = serializers.IntegerField(allow_null=True, help_text="The engine's raw score.")
    median_score = serializers.IntegerField(allow_null=True, help_text="The engine's raw score.")
    lowest_score_100 = serializers.SerializerMethodField()
    median_score_100 = serializers.SerializerMethodField()
    optimal = serializers.BooleanField(help_text="Proven optimal by the solver.")
    seconds = serializers.FloatField(allow_null=True)
    without_candidates = serializers.IntegerField()
    without_candidates_reasons = serializers.SerializerMethodField()

    def get_lowest_score_100(self, run: MatchRun) -> int | None:
        """The lowest pair score on the review's 0-100 scale."""
        return review.on_scale(run.lowest_score, review.best_score(run))

    def get_median_score_100(self, run: MatchRun) -> int | None:
        """The median pair score on the review's 0-100 scale."""
        return review.on_scale(run.median_score, review.best_score(run))

    @extend_schema_field(ShortageSerializer(many=True))
    def get_without_candidates_reasons(self, run: MatchRun) -> list[dict]:
        return [
            {"reason": reason, "label": constraint_name(reason), "count": count}
            for reason, count in run.without_candidates_reasons.items()
        ]


class RunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=MatchRun.Status.choices, read_only=True)
    requested_by = serializers.EmailField(
        source="requested_by.email", read_only=True, allow_null=True, default=None
    )
    only_for = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    result = serializers.SerializerMethodField()

    class Meta:
        model = MatchRun
        fields = ["id", "status", "progress", "progress_note", "error", "requested_by"]
        fields += ["only_for", "mode", "created_at", "started_at", "finished_at", "result"]

    @extend_schema_field(RunResultSerializer(allow_null=True))
    def get_result(self, run: MatchRun) -> dict | None:
        """The figures, once the run succeeded (null before, and when it failed)."""
        if run.status != MatchRun.Status.SUCCEEDED:
            return None
        return RunResultSerializer(run).data


class RunDetailSerializer(RunSerializer):
    """A run with what its review page sums up: what is left to decide and to tell."""

    to_decide = serializers.SerializerMethodField()
    not_told = serializers.SerializerMethodField()
    latest_confirmation = serializers.SerializerMethodField()

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "to_decide", "not_told", "latest_confirmation"]

    def get_to_decide(self, run: MatchRun) -> int:
        """Its proposals nobody has confirmed or rejected yet."""
        return review.to_decide(run)

    def get_not_told(self, run: MatchRun) -> int:
        """The students it left waiting who are not told yet (see tell-waiting)."""
        return review.not_told(run)

    def get_latest_confirmation(self, run: MatchRun) -> int | None:
        """The id of its latest confirmation (see confirmations/<id>/), null before any."""
        confirmation = review.latest_confirmation(run)
        return confirmation.pk if confirmation else None


class StartRunSerializer(serializers.Serializer):
    students = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        max_length=10000,
        help_text="Only these waiting incoming students (profile ids); all of them when empty.",
    )


@extend_schema(tags=TAGS, summary="The section's match runs, latest first")
class RunList(generics.ListAPIView):
    serializer_class = RunSerializer
    permission_classes = [IsCoordinator]
    queryset = MatchRun.objects.select_related("requested_by").order_by("-created_at", "-pk")


class StartRun(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Start a match run for the waiting students (one at a time)",
        description="Answers at once (202) with the queued run; poll it for its progress. "
        "409 `run_in_progress` while another run is queued or running.",
        request=StartRunSerializer,
        responses={202: RunSerializer},
    )
    def post(self, request: Request) -> Response:
        body = StartRunSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            run = services.request_match_run(request.user, only_for=body.validated_data["students"])
        except services.RunInProgress as error:
            raise RunInProgress from error
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=TAGS,
    summary="A match run: its status and progress, its figures once done",
    description="Poll-friendly: send the last `ETag` in `If-None-Match` to get a 304 while "
    "nothing changed.",
)
class RunDetail(generics.RetrieveAPIView):
    serializer_class = RunDetailSerializer
    permission_classes = [IsCoordinator]

    def get_object(self) -> MatchRun:
        return get_object_or_404(
            MatchRun.objects.select_related("requested_by"), pk=self.kwargs["run_id"]
        )


urlpatterns = [
    path("match-runs/", RunList.as_view(), name="match_runs"),
    path("match-runs/start/", StartRun.as_view(), name="match_run_start"),
    path("match-runs/<int:run_id>/", RunDetail.as_view(), name="match_run"),
]
