"""Buddies choose, for a local buddy's session: their requests and taking one.

GET /api/v1/requests/ is the requests page as data (the same selector: the same requests, in
the same order, with only the fields the section shows: a hidden field has no key at all).
POST /api/v1/requests/{id}/take/ takes one (the same service: locks, pick limit, emails);
a refusal is a 409 whose `code` says why (closed, not_a_buddy, limit, full, taken, gone).
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsStudent
from core.models import Profile
from matching.choosing import selectors
from matching.choosing.refusals import refusal
from matching.choosing.services import CannotTake, take_request
from matching.disclosure import buddy_contact


class Refused(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT


def _card_schema(**kwargs):
    optional = {"required": False}
    return inline_serializer(
        "RequestCard",
        {
            "id": serializers.IntegerField(),
            "fit": serializers.IntegerField(help_text="The engine's score for you, 0-100."),
            "reasons": serializers.ListField(child=serializers.CharField()),
            "first_name": serializers.CharField(**optional),
            "nationality": serializers.CharField(**optional),
            "languages": serializers.CharField(**optional),
            "place_of_study": serializers.CharField(**optional),
            "faculty": serializers.CharField(**optional),
            "arrival_month": serializers.CharField(help_text="YYYY-MM", **optional),
            "hobbies": serializers.ListField(child=serializers.CharField(), **optional),
            "note": serializers.CharField(**optional),
            "gender": serializers.CharField(**optional),
        },
        **kwargs,
    )


class RequestList(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        tags=["requests"],
        summary="The requests you may take, best fits first",
        description=(
            "Only in sections where buddies choose (`state` says `closed` otherwise). A field "
            "the section does not show has no key. 20 requests a page."
        ),
        parameters=[OpenApiParameter("page", int, description="A page number, from 1.")],
        responses=inline_serializer(
            "Requests",
            {
                "state": serializers.CharField(
                    help_text=(
                        "open; or why there are no requests: closed (buddies do not choose in "
                        "this section now), not_a_buddy, not_taking_part, full"
                    )
                ),
                "picks_left": serializers.IntegerField(allow_null=True),
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": _card_schema(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        found = selectors.requests_for(request.user.profile, request.query_params.get("page"))
        page = found.page
        url = request.build_absolute_uri()
        return Response(
            {
                "state": found.state,
                "picks_left": found.picks.left if found.picks else None,
                "count": page.paginator.count if page else 0,
                "next": (
                    replace_query_param(url, "page", page.next_page_number())
                    if page and page.has_next()
                    else None
                ),
                "previous": (
                    replace_query_param(url, "page", page.previous_page_number())
                    if page and page.has_previous()
                    else None
                ),
                "results": [card.as_data() for card in found.cards],
            }
        )


class TakeRequest(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        tags=["requests"],
        summary="Take a request: you become this student's buddy",
        description=(
            "Both of you are emailed. Refused with 409 and a `code`: `closed` (buddies do not "
            "choose here now), `not_a_buddy` (you are an incoming student), `limit` (your "
            "picks for the period are used), `full` (no free place), `taken` (another buddy "
            "was first), `gone` (no longer open to you)."
        ),
        request=None,
        responses={
            201: inline_serializer(
                "TakenRequest",
                {
                    "pair": serializers.IntegerField(),
                    "student": inline_serializer(
                        "StudentContact",
                        {
                            "first_name": serializers.CharField(),
                            "name": serializers.CharField(),
                            "email": serializers.EmailField(),
                            "phone": serializers.CharField(),
                            "instagram": serializers.CharField(),
                        },
                    ),
                },
            )
        },
    )
    @idempotent
    def post(self, request: Request, incoming_id: int) -> Response:
        incoming = get_object_or_404(Profile, pk=incoming_id)
        try:
            pair = take_request(request.user, incoming.pk)
        except CannotTake as refused:
            raise Refused(refusal(refused.reason, request.user.profile), refused.reason) from None
        contact = buddy_contact(pair.incoming)
        return Response(
            {"pair": pair.pk, "student": contact.__dict__}, status=status.HTTP_201_CREATED
        )


urlpatterns = [
    path("requests/", RequestList.as_view(), name="requests"),
    path("requests/<int:incoming_id>/take/", TakeRequest.as_view(), name="take_request"),
]
