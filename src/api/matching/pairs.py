"""Pairs: the active ones (the pairs page's search), made by hand (with the hard constraints
it breaks, which the coordinator must accept), pinned for the next run, ended."""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.matching.common import TAGS, StudentFactsSerializer
from api.permissions import IsCoordinator
from api.webforms import cleaned, query_parameters
from matching import pairs as pair_services
from matching import selectors, services
from matching.explanations import constraint_name
from matching.forms import EndPairForm, ManualPairForm, PairSearchForm
from matching.models import Offer, Pair

NOT_POSSIBLE = gettext_lazy(
    "This pair is not possible now: a student has left the programme, is not verified or their"
    " stay is over, the student has a buddy or the buddy is full."
)


class ConstraintSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


def _constraints(codes) -> list[dict]:
    return [{"code": code, "label": constraint_name(code)} for code in codes]


class PairSerializer(serializers.ModelSerializer):
    incoming = StudentFactsSerializer(allow_null=True, read_only=True)
    buddy = StudentFactsSerializer(allow_null=True, read_only=True)
    origin = serializers.ChoiceField(choices=Pair.Origin.choices, read_only=True)
    end_reason = serializers.ChoiceField(
        choices=[("", ""), *Pair.EndReason.choices], read_only=True
    )
    broken_constraints = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = ["id", "incoming", "buddy", "origin", "score", "broken_constraints"]
        fields += ["confirmed_at", "ended_at", "end_reason", "end_note"]

    @extend_schema_field(ConstraintSerializer(many=True))
    def get_broken_constraints(self, pair: Pair) -> list[dict]:
        """The hard constraints the coordinator accepted to break when making it by hand."""
        return _constraints(pair.broken_constraints)


@extend_schema(
    tags=TAGS,
    summary="The active pairs, latest first",
    description=(
        "`q`: a student's first or last name, `origin`: how the pairs were made, as on the "
        "pairs page."
    ),
    parameters=query_parameters(PairSearchForm),
)
class PairList(generics.ListAPIView):
    serializer_class = PairSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []  # the page's form filters (below)

    def get_queryset(self):
        search = PairSearchForm(self.request.query_params)
        cleaned(search)
        return selectors.active_pairs(search.term(), search.chosen_origin())


class OfferMadeSerializer(serializers.ModelSerializer):
    """In the "buddies accept" mode a pair made by hand is offered to the buddy first."""

    status = serializers.ChoiceField(choices=Offer.Status.choices, read_only=True)

    class Meta:
        model = Offer
        fields = ["id", "incoming", "buddy", "status", "score", "created_at", "expires_at"]


class NewPairSerializer(serializers.Serializer):
    """Validated by the web page's form (matching.forms.ManualPairForm): the incoming student
    must be waiting, the buddy available with a free place."""

    incoming = serializers.IntegerField(help_text="A waiting incoming student (profile id).")
    buddy = serializers.IntegerField(help_text="A buddy with a free place (profile id).")
    accept_broken_constraints = serializers.BooleanField(
        default=False,
        help_text="Required (true) when the pair breaks hard constraints: a first call "
        "without it answers 400 naming them.",
    )


def _manual_pair(request: Request) -> ManualPairForm:
    body = NewPairSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    form = ManualPairForm(body.validated_data)
    cleaned(form)
    return form


def _broken(error: services.BrokenConstraints) -> exceptions.ValidationError:
    names = ", ".join(constraint_name(code) for code in error.constraints)
    return exceptions.ValidationError(
        {
            "accept_broken_constraints": [
                _(
                    "This pair breaks the section's hard constraints (%(constraints)s): "
                    "accept that to make it anyway."
                )
                % {"constraints": names}
            ],
            "broken_constraints": list(error.constraints),
        }
    )


class CreatePair(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Make a pair by hand: both students are emailed",
        description='201 with the pair; in the "buddies accept" mode, 202 with the offer '
        "made to the buddy (the pair is made when they accept). A pair that breaks hard "
        "constraints is refused (400, `fields` names them under `broken_constraints`) unless "
        "`accept_broken_constraints` is true. Send an `Idempotency-Key`: a retry with it "
        "makes, and emails, nothing more.",
        request=NewPairSerializer,
        responses={201: PairSerializer, 202: OfferMadeSerializer},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        form = _manual_pair(request)
        try:
            made = services.create_pair_by_hand(
                request.user,
                form.cleaned_data["incoming"],
                form.cleaned_data["buddy"],
                accept_broken_constraints=form.cleaned_data["accept_broken_constraints"],
            )
        except services.BrokenConstraints as error:
            raise _broken(error) from error
        except pair_services.PairNotPossible as error:
            raise exceptions.ValidationError({"non_field_errors": [NOT_POSSIBLE]}) from error
        if isinstance(made, Offer):
            return Response(OfferMadeSerializer(made).data, status=status.HTTP_202_ACCEPTED)
        return Response(PairSerializer(made).data, status=status.HTTP_201_CREATED)


class PinSerializer(serializers.Serializer):
    incoming = serializers.IntegerField(source="incoming_id")
    buddy = serializers.IntegerField(source="buddy_id")


class PinPair(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Pin a pair: the next run keeps it (it must break no hard constraint)",
        request=PinSerializer,
        responses={201: PinSerializer},
    )
    def post(self, request: Request) -> Response:
        form = _manual_pair(request)
        try:
            pin = services.pin_pair(
                request.user, form.cleaned_data["incoming"], form.cleaned_data["buddy"]
            )
        except services.BrokenConstraints as error:
            raise _broken(error) from error
        return Response(PinSerializer(pin).data, status=status.HTTP_201_CREATED)


class EndPairSerializer(serializers.Serializer):
    """Validated by the web page's form (matching.forms.EndPairForm)."""

    reason = serializers.CharField(help_text="Why the pair ends (at most 200 characters).")


class EndPair(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="End an active pair: both students are told, the incoming student waits again",
        description="`reason`: the coordinator's words, kept with the pair. Send an "
        "`Idempotency-Key`: a retry with it gets the same answer (without it, 404: the pair "
        "is no longer active).",
        request=EndPairSerializer,
        responses={200: PairSerializer},
    )
    @idempotent
    def post(self, request: Request, pair_id: int) -> Response:
        pair = get_object_or_404(selectors.active_pairs(), pk=pair_id)
        body = EndPairSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        note = cleaned(EndPairForm(body.validated_data))["reason"]
        pair_services.end_pair(request.user, pair, Pair.EndReason.COORDINATOR, note=note)
        pair.refresh_from_db()
        return Response(PairSerializer(pair).data)


urlpatterns = [
    path("pairs/", PairList.as_view(), name="pairs"),
    path("pairs/new/", CreatePair.as_view(), name="pair_create"),
    path("pairs/pin/", PinPair.as_view(), name="pair_pin"),
    path("pairs/<int:pair_id>/end/", EndPair.as_view(), name="pair_end"),
]
