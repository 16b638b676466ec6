"""The student's place in the programme and their account: status (with the buddy's contact
once matched), withdraw and rejoin, the GDPR download, deleting the account. Each calls what
the account pages call."""

from django.contrib.auth import logout
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsStudent
from api.webforms import cleaned
from core import selectors, services
from core.forms import DeleteAccountForm
from core.models import AuditEvent, Profile
from matching.models import WaitingListEntry
from matching.status import programme_status

STATES = [
    ("waiting", _("Waiting for a buddy")),
    ("waiting_list", _("On the waiting list")),
    ("matched", _("Matched")),
    ("unverified", _("Email address not confirmed yet")),
    ("stay_over", _("Stay or availability over")),
    ("withdrawn", _("Left the programme")),
    ("deactivated", _("Taken out of the programme by the coordinators")),
]


class BuddyContactSerializer(serializers.Serializer):
    """What a confirmed pair discloses of the other student (matching.disclosure), as the
    account page shows it; phone and Instagram are empty unless they chose to share them."""

    name = serializers.CharField()
    email = serializers.EmailField()
    phone = serializers.CharField()
    instagram = serializers.CharField()


class ProgrammeSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=STATES)
    reason = serializers.ChoiceField(
        choices=WaitingListEntry.Reason.choices,
        allow_blank=True,
        help_text="On the waiting list: why no buddy could be found yet (empty otherwise).",
    )
    buddies = BuddyContactSerializer(many=True, help_text="Empty until a pair is confirmed.")


class DeleteAccountSerializer(serializers.Serializer):
    password = serializers.CharField(help_text="The account's password, as on the web page.")
    confirm = serializers.BooleanField(help_text="Must be true: the deletion cannot be undone.")

    def validate_confirm(self, confirm: bool) -> bool:
        if not confirm:
            raise serializers.ValidationError(_("Confirm that the account is to be deleted."))
        return confirm


def _profile(request: Request) -> Profile:
    return Profile.objects.select_related("user").get(user=request.user)


def _programme(profile: Profile) -> Response:
    return Response(ProgrammeSerializer(programme_status(profile)).data)


@extend_schema(tags=["me"])
class MyProgramme(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="My place in the programme, and my buddy's contact once matched",
        responses=ProgrammeSerializer,
    )
    def get(self, request: Request) -> Response:
        return _programme(_profile(request))


@extend_schema(tags=["me"])
class Withdraw(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Leave the programme: my pairs end, my buddy is told by email",
        request=None,
        responses=ProgrammeSerializer,
    )
    @idempotent
    def post(self, request: Request) -> Response:
        profile = _profile(request)
        services.withdraw(profile)
        return _programme(profile)


@extend_schema(tags=["me"])
class Rejoin(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Come back to the programme after leaving it",
        description="Refused (400) to a student the coordinators took out of the programme.",
        request=None,
        responses=ProgrammeSerializer,
    )
    def post(self, request: Request) -> Response:
        profile = _profile(request)
        services.rejoin(profile)
        return _programme(profile)


@extend_schema(tags=["me"])
class MyData(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Download my data: everything the section holds about me (GDPR)",
        description="The same content as the account page's download; the download is logged.",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        services.record_export(request.user)
        response = Response(selectors.personal_data(request.user))
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(tags=["me"])
class DeleteAccount(APIView):
    permission_classes = [IsStudent]

    @extend_schema(
        summary="Delete my account and profile, for good",
        description="My pairs end (my buddy is told) and I am logged out. Not repeatable: "
        "a retry finds no account (401/403).",
        request=DeleteAccountSerializer,
        responses={204: OpenApiResponse(description="The account is deleted.")},
    )
    def post(self, request: Request) -> Response:
        body = DeleteAccountSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = DeleteAccountForm({"password": body.validated_data["password"]}, user=request.user)
        cleaned(form)
        user = request.user
        logout(request._request)
        services.erase_student(user, action=AuditEvent.Action.ACCOUNT_DELETED)
        return Response(status=status.HTTP_204_NO_CONTENT)
