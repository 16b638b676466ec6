"""Offers (the "buddies accept" mode): a buddy's offers and their answer; the coordinators'
list and withdrawal. The same services as the account page and the offers page.

An offer is its buddy's own: another student's, or an id of no offer of the section, is not
found (404). An offer no longer open (answered, withdrawn, expired) is a 409 saying why.
"""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import IsCoordinator, IsStudent
from matching.models import Offer
from matching.offers import selectors, services


class OfferClosed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "offer_closed"


class PairNotPossible(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "pair_not_possible"
    default_detail = _("This pair is no longer possible: the offer is withdrawn.")


class OfferedStudentSerializer(serializers.Serializer):
    """What an offer shows the buddy of the incoming student (matching.disclosure)."""

    first_name = serializers.CharField()
    nationality = serializers.CharField(source="nationality.code")
    place_of_study = serializers.CharField(source="place_of_study.name", default="")
    arrival_date = serializers.DateField()
    departure_date = serializers.DateField()


class BuddyOfferSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="offer.pk")
    status = serializers.CharField(source="offer.status")
    offered_at = serializers.DateTimeField(source="offer.created_at")
    expires_at = serializers.DateTimeField(source="offer.expires_at")
    student = OfferedStudentSerializer()
    reasons = serializers.ListField(child=serializers.CharField())


class AnsweredSerializer(serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", allow_null=True)

    class Meta:
        model = Offer
        fields = ["id", "status", "decided_at", "decline_reason", "pair"]


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CoordinatorOfferSerializer(serializers.ModelSerializer):
    incoming = serializers.IntegerField(source="incoming_id", allow_null=True)
    buddy = serializers.IntegerField(source="buddy_id", allow_null=True)
    pair = serializers.IntegerField(source="pair_id", allow_null=True)

    class Meta:
        model = Offer
        fields = ["id", "incoming", "buddy", "status", "score", "decline_reason"]
        fields += ["created_at", "expires_at", "decided_at", "pair"]


class StatusFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Offer.Status.choices, required=False)


@extend_schema(tags=["offers"], summary="The offers a buddy has to answer")
class BuddyOffers(generics.ListAPIView):
    serializer_class = BuddyOfferSerializer
    permission_classes = [IsStudent]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation: no caller
            return Offer.objects.none()
        return [
            {"offer": offer, "student": student, "reasons": reasons}
            for offer, student, reasons in selectors.offers_to_answer(self.request.user.profile)
        ]


def _answer(answering, offer_id: int) -> Offer:
    try:
        return answering(offer_id)
    except Offer.DoesNotExist as missing:
        raise exceptions.NotFound(_("No such offer of yours.")) from missing
    except services.OfferClosed as closed:
        raise OfferClosed(closed.message) from closed


@extend_schema(
    tags=["offers"],
    summary="Accept an offer: the pair is made",
    request=None,
    responses=AnsweredSerializer,
)
class AcceptOffer(APIView):
    permission_classes = [IsStudent]

    def post(self, request: Request, offer_id: int) -> Response:
        buddy = request.user.profile
        accepted = _answer(lambda pk: services.accept_offer(buddy, pk), offer_id)
        if accepted.pair is None:
            raise PairNotPossible
        return Response(AnsweredSerializer(accepted.offer).data)


@extend_schema(
    tags=["offers"],
    summary="Decline an offer (with an optional reason)",
    request=DeclineSerializer,
    responses=AnsweredSerializer,
)
class DeclineOffer(APIView):
    permission_classes = [IsStudent]

    def post(self, request: Request, offer_id: int) -> Response:
        body = DeclineSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        buddy, reason = request.user.profile, body.validated_data.get("reason", "")
        offer = _answer(lambda pk: services.decline_offer(buddy, pk, reason), offer_id)
        return Response(AnsweredSerializer(offer).data)


@extend_schema(
    tags=["offers"],
    summary="The section's offers (filter by status)",
    parameters=[StatusFilterSerializer],
)
class CoordinatorOffers(generics.ListAPIView):
    serializer_class = CoordinatorOfferSerializer
    permission_classes = [IsCoordinator]

    def get_queryset(self):
        query = StatusFilterSerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.offers_for_coordinators(query.validated_data.get("status", ""))


@extend_schema(
    tags=["offers"],
    summary="Withdraw a pending offer",
    request=None,
    responses=inline_serializer(
        "Withdrawn", {"id": serializers.IntegerField(), "status": serializers.CharField()}
    ),
)
class WithdrawOffer(APIView):
    permission_classes = [IsCoordinator]

    def post(self, request: Request, offer_id: int) -> Response:
        try:
            offer = services.withdraw_offer(request.user, offer_id)
        except Offer.DoesNotExist as missing:
            raise exceptions.NotFound(_("No such offer.")) from missing
        except services.OfferClosed as closed:
            raise OfferClosed(closed.message) from closed
        return Response({"id": offer.pk, "status": offer.status})


urlpatterns = [
    path("offers/", BuddyOffers.as_view(), name="offers"),
    path("offers/<int:offer_id>/accept/", AcceptOffer.as_view(), name="accept_offer"),
    path("offers/<int:offer_id>/decline/", DeclineOffer.as_view(), name="decline_offer"),
    path("coordinator/offers/", CoordinatorOffers.as_view(), name="coordinator_offers"),
    path(
        "coordinator/offers/<int:offer_id>/withdraw/",
        WithdrawOffer.as_view(),
        name="withdraw_offer",
    ),
]
