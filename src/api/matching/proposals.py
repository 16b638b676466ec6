"""A run's proposals as the review shows them (score, breakdown, reasons in words), and the
coordinator's decisions: confirm (a task, with its progress), reject, tell the waiting."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.matching.common import TAGS, StudentFactsSerializer
from api.permissions import IsCoordinator
from api.webforms import cleaned, query_parameters
from matching import review, services
from matching.explanations import hobby_names
from matching.forms import ReviewFilterForm
from matching.models import Confirmation, MatchRun, Proposal


class PartSerializer(serializers.Serializer):
    criterion = serializers.CharField()
    label = serializers.CharField()
    earned = serializers.IntegerField(help_text="Points earned, on the 0-100 scale.")
    out_of = serializers.IntegerField(help_text="The most this criterion gives, on 0-100.")


class StudentWithLanguagesSerializer(StudentFactsSerializer):
    languages = serializers.SerializerMethodField()

    def get_languages(self, profile) -> list[str]:
        """The languages the student speaks (codes), as prefetched by the review."""
        return [row.language for row in profile.languages.all()]


class ProposalSerializer(serializers.Serializer):
    """One row of the review (matching.review.Row)."""

    id = serializers.IntegerField(source="proposal.pk")
    status = serializers.ChoiceField(source="proposal.status", choices=Proposal.Status.choices)
    pinned = serializers.BooleanField(source="proposal.pinned")
    score = serializers.IntegerField(
        allow_null=True, help_text="Out of 100: the best a pair can get under the run's weights."
    )
    raw_score = serializers.IntegerField(source="proposal.score")
    breakdown = PartSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())
    incoming = StudentWithLanguagesSerializer(source="proposal.incoming")
    buddy = StudentWithLanguagesSerializer(source="proposal.buddy")


def _run(run_id: int) -> MatchRun:
    return get_object_or_404(MatchRun, pk=run_id)


@extend_schema(
    tags=TAGS,
    summary="A run's proposals, with why each was suggested",
    description="The review page's filters and sorting; `min_score` is on the 0-100 scale.",
    parameters=query_parameters(ReviewFilterForm, min_score="Score at least, on the 0-100 scale."),
)
class ProposalList(generics.ListAPIView):
    serializer_class = ProposalSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []  # the page's form filters (below)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no run
            return Proposal.objects.none()
        self.run = _run(self.kwargs["run_id"])
        return review.proposals(self.run, cleaned(ReviewFilterForm(self.request.query_params)))

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = review.rows(page, self.run, hobby_names())
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)


class ConfirmationSerializer(serializers.ModelSerializer):
    """`as_offers`: made in the "buddies accept" mode, its proposals become offers to the
    buddies (`confirmed` counts the offers made), not pairs."""

    status = serializers.ChoiceField(choices=Confirmation.Status.choices, read_only=True)
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Confirmation
        fields = ["id", "run", "status", "total", "confirmed", "skipped", "percent"]
        fields += ["as_offers", "created_at", "finished_at"]


class ConfirmSerializer(serializers.Serializer):
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=10000,
        help_text="The proposals to confirm (ids); leave out and send `all` for every one.",
    )
    all = serializers.BooleanField(
        default=False, help_text="Confirm every proposal of the run still to decide."
    )

    def validate(self, data: dict) -> dict:
        if not data["all"] and not data.get("proposals"):
            raise serializers.ValidationError(
                {"proposals": [_("Select at least one proposal to decide.")]}
            )
        return data


class RejectSerializer(serializers.Serializer):
    proposals = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=10000
    )


class DecisionSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Proposals rejected.")
    skipped = serializers.IntegerField(help_text="Proposals already decided meanwhile.")


def _to_decide(run: MatchRun, ids: list[int]) -> list[int]:
    chosen = review.still_to_decide(run, ids)
    if not chosen:
        raise exceptions.ValidationError(
            {"proposals": [_("Select at least one proposal to decide.")]}
        )
    return chosen


class ConfirmProposals(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Confirm proposals (some or all): pairs are made and both students emailed",
        description="Answers at once (202) with the confirmation, carried out by a task: poll "
        "it for its progress. The students the run left waiting are told with it. Send an "
        "`Idempotency-Key`: a retry with it confirms, and emails, nothing more.",
        request=ConfirmSerializer,
        responses={202: ConfirmationSerializer},
    )
    @idempotent
    def post(self, request: Request, run_id: int) -> Response:
        run = _run(run_id)
        body = ConfirmSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["all"]:
            if not review.to_decide(run):
                raise exceptions.ValidationError(
                    {"all": [_("Select at least one proposal to decide.")]}
                )
            ids = None
        else:
            ids = _to_decide(run, body.validated_data["proposals"])
        confirmation = services.start_confirmation(request.user, run, ids)
        return Response(ConfirmationSerializer(confirmation).data, status=status.HTTP_202_ACCEPTED)


class RejectProposals(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Reject proposals: later runs never suggest these pairs again",
        request=RejectSerializer,
        responses={200: DecisionSerializer},
    )
    def post(self, request: Request, run_id: int) -> Response:
        run = _run(run_id)
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        decision = services.reject_proposals(
            request.user, _to_decide(run, body.validated_data["proposals"])
        )
        return Response(DecisionSerializer(decision).data)


class ToldSerializer(serializers.Serializer):
    told = serializers.IntegerField(help_text="Students emailed now.")


class TellWaiting(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Email the students the run left waiting that they are on the waiting list",
        description="Each student is told once, whatever the retries.",
        request=None,
        responses={200: ToldSerializer},
    )
    @idempotent
    def post(self, request: Request, run_id: int) -> Response:
        run = _run(run_id)
        if not review.not_told(run):
            raise exceptions.ValidationError(_("Nobody is left to tell."))
        return Response({"told": services.tell_waiting_students(request.user, run)})


@extend_schema(tags=TAGS, summary="A confirmation's progress")
class ConfirmationDetail(generics.RetrieveAPIView):
    serializer_class = ConfirmationSerializer
    permission_classes = [IsCoordinator]

    def get_object(self) -> Confirmation:
        return get_object_or_404(Confirmation, pk=self.kwargs["confirmation_id"])


urlpatterns = [
    path("match-runs/<int:run_id>/proposals/", ProposalList.as_view(), name="proposals"),
    path(
        "match-runs/<int:run_id>/proposals/confirm/",
        ConfirmProposals.as_view(),
        name="proposals_confirm",
    ),
    path(
        "match-runs/<int:run_id>/proposals/reject/",
        RejectProposals.as_view(),
        name="proposals_reject",
    ),
    path("match-runs/<int:run_id>/tell-waiting/", TellWaiting.as_view(), name="match_run_tell"),
    path(
        "confirmations/<int:confirmation_id>/",
        ConfirmationDetail.as_view(),
        name="confirmation",
    ),
]
