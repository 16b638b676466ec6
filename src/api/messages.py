"""Messages to groups of students, for coordinators: draft, review, send, follow the sending.

Drafts are checked by the message page's own form (core.events.forms.MessageForm): a text in
at least one language, a group that someone in it can receive. Sending freezes the
recipients and writes one outbox email each (core.events.services.send_message); it takes an
`Idempotency-Key`, and a message is sent once in any case. The counts of the sending (sent,
waiting, failed, skipped) are the message's, kept by the outbox as it sends.
"""

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.permissions import IsCoordinator
from api.webforms import cleaned, one_of
from core.events import segments, selectors, services
from core.events.forms import MessageForm
from core.events.mail import MESSAGE_LANGUAGES
from core.events.models import Message, MessageDelivery

TEXTS = [f"{part}_{code}" for code in MESSAGE_LANGUAGES for part in ("subject", "body")]


class NotADraft(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "already_sent"


class RecipientsSerializer(serializers.Serializer):
    """Who a draft would reach now."""

    segment_size = serializers.IntegerField(help_text="Students in the group.")
    unsubscribed = serializers.IntegerField(help_text="Skipped: they unsubscribed from news.")
    deliverable = serializers.IntegerField(help_text="Students the message would reach.")


class DeliverySerializer(serializers.Serializer):
    """How the sending goes (from the outbox, as it sends)."""

    recipients = serializers.IntegerField(source="recipients_count")
    sent = serializers.IntegerField(source="sent_count")
    pending = serializers.IntegerField(source="pending_count")
    failed = serializers.IntegerField(source="failed_count")
    skipped = serializers.IntegerField(source="skipped_count")
    progress = serializers.IntegerField(help_text="Percent of the recipients done.")


class MessageSerializer(serializers.ModelSerializer):
    """A message as the list shows it: its texts, its group in words, its sending's counts."""

    segment_label = serializers.SerializerMethodField()
    created_by = serializers.EmailField(source="created_by.email", read_only=True, default="")
    delivery = DeliverySerializer(source="*", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "status", "segment", "parameter", "segment_label", "essential"]
        fields += [*TEXTS, "created_by", "created_at", "queued_at", "finished_at", "delivery"]

    def get_segment_label(self, message: Message) -> str:
        return segments.describe(message.segment, message.parameter)


class MessageReviewSerializer(MessageSerializer):
    """A message with, while it is a draft, who it would reach now (or why nobody)."""

    recipients = serializers.SerializerMethodField()
    segment_error = serializers.SerializerMethodField()

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "recipients", "segment_error"]

    def _count(self, message: Message):
        if message.status != Message.Status.DRAFT:
            return None
        if not hasattr(message, "_recipients"):
            try:
                message._recipients = selectors.count_recipients(
                    message.segment, message.parameter, message.essential
                )
            except segments.SegmentError as error:
                message._recipients = error
        return message._recipients

    @extend_schema_field(RecipientsSerializer(allow_null=True))
    def get_recipients(self, message: Message) -> dict | None:
        count = self._count(message)
        if count is None or isinstance(count, segments.SegmentError):
            return None
        return RecipientsSerializer(count).data

    def get_segment_error(self, message: Message) -> str:
        """Why the group cannot be messaged (its event was deleted...); empty otherwise."""
        count = self._count(message)
        return str(count) if isinstance(count, segments.SegmentError) else ""


class MessageWriteSerializer(serializers.Serializer):
    """A draft as the message page's form takes it: the group (with its month or event) and
    the texts, in one or more languages (`{first_name}`, `{section}`, `{portal}` are filled)."""

    segment = serializers.ChoiceField(choices=[])
    month = serializers.CharField(
        max_length=7, required=False, allow_blank=True, help_text="YYYY-MM, for arrivals."
    )
    event = serializers.IntegerField(
        required=False, allow_null=True, help_text="An event's id, for its attendees."
    )
    essential = serializers.BooleanField(required=False)
    subject_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_en = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    subject_fr = serializers.CharField(max_length=200, required=False, allow_blank=True)
    body_fr = serializers.CharField(max_length=20000, required=False, allow_blank=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # read when called: apps above core add their groups when they start
        self.fields["segment"].choices = segments.choices()


def _form_fields(data: dict) -> dict:
    """The body checked by the message page's form; the fields its service saves."""
    form = MessageForm(data)
    cleaned(form)
    return form.message_fields()


def _checked(request: Request, *, partial: bool) -> dict:
    serializer = MessageWriteSerializer(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _review(message_id: int) -> dict:
    message = selectors.messages().get(pk=message_id)
    return MessageReviewSerializer(message).data


class MessageList(generics.ListAPIView):
    serializer_class = MessageSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []

    def get_queryset(self):
        return selectors.messages()

    @extend_schema(tags=["messages"], summary="The section's messages, newest first")
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        tags=["messages"],
        summary="Write a draft",
        request=MessageWriteSerializer,
        responses={201: MessageReviewSerializer},
    )
    def post(self, request: Request) -> Response:
        fields = _form_fields(_checked(request, partial=False))
        message = services.save_message(request.user, fields)
        return Response(_review(message.pk), status=status.HTTP_201_CREATED)


class MessageDetail(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=["messages"],
        summary="Review a message: its group, who a draft would reach, how the sending goes",
        responses=MessageReviewSerializer,
    )
    def get(self, request: Request, message_id: int) -> Response:
        return Response(_review(get_object_or_404(Message, pk=message_id).pk))

    @extend_schema(
        tags=["messages"],
        summary="Change a draft (the fields sent)",
        request=MessageWriteSerializer,
        responses=MessageReviewSerializer,
    )
    def patch(self, request: Request, message_id: int) -> Response:
        message = get_object_or_404(Message, pk=message_id)
        if message.status != Message.Status.DRAFT:
            raise NotADraft(_("This message is already being sent."))
        values = MessageForm.initial_for(message) | _checked(request, partial=True)
        try:
            services.save_message(request.user, _form_fields(values), message)
        except services.AlreadySent as error:
            raise NotADraft(_("This message is already being sent.")) from error
        return Response(_review(message.pk))


@extend_schema(
    tags=["messages"],
    summary="Send a draft to its group now: one email each, through the outbox",
    request=None,
    responses={202: MessageReviewSerializer},
)
class MessageSend(APIView):
    permission_classes = [IsCoordinator]

    @idempotent
    def post(self, request: Request, message_id: int) -> Response:
        message = get_object_or_404(Message, pk=message_id)
        try:
            services.send_message(message.pk, request.user)
        except services.AlreadySent as error:
            raise NotADraft(_("This message is already being sent.")) from error
        except services.NobodyToMessage as error:
            nobody = _("Nobody in this group can receive the message now: it was not sent.")
            raise exceptions.ValidationError({"segment": [nobody]}) from error
        except segments.SegmentError as error:
            raise exceptions.ValidationError({"segment": [str(error)]}) from error
        return Response(_review(message.pk), status=status.HTTP_202_ACCEPTED)


class DeliveryRowSerializer(serializers.ModelSerializer):
    profile_id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(source="profile.user.first_name", read_only=True)
    last_name = serializers.CharField(source="profile.user.last_name", read_only=True)
    email = serializers.EmailField(source="profile.user.email", read_only=True)

    class Meta:
        model = MessageDelivery
        fields = ["id", "profile_id", "first_name", "last_name", "email", "status", "sent_at"]
        fields += ["error"]


@extend_schema(
    tags=["messages"],
    summary="A sent message's recipients and what became of each email",
    parameters=[
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=MessageDelivery.Status.values,
            description="Only the recipients in this state.",
        )
    ],
)
class MessageDeliveries(generics.ListAPIView):
    serializer_class = DeliveryRowSerializer
    permission_classes = [IsCoordinator]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema's generation
            return MessageDelivery.objects.none()
        message = get_object_or_404(Message, pk=self.kwargs["message_id"])
        wanted = self.request.query_params.get("status") or None
        if wanted is not None and wanted not in MessageDelivery.Status.values:
            raise exceptions.ValidationError({"status": [one_of(MessageDelivery.Status.values)]})
        return selectors.deliveries(message, wanted)


urlpatterns = [
    path("messages/", MessageList.as_view(), name="messages"),
    path("messages/<int:message_id>/", MessageDetail.as_view(), name="message"),
    path("messages/<int:message_id>/send/", MessageSend.as_view(), name="message_send"),
    path(
        "messages/<int:message_id>/deliveries/",
        MessageDeliveries.as_view(),
        name="message_deliveries",
    ),
]
