"""The section's matching policy: who makes the pairs (the matching mode) and what requests
show buddies who choose, then weights, hard constraints, goal and nationality quota.

Validated by the settings page's form (matching.forms.PolicyForm), saved by the same service:
an update changes the fields it sends and keeps the others.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.matching.common import TAGS
from api.permissions import IsCoordinator
from matching import services
from matching.engine.policy import CRITERIA, HARD_CONSTRAINTS
from matching.forms import PolicyForm
from matching.models import MatchingPolicy, RequestField

WEIGHT, HARD = "weight_", "hard_"
# the form's fields that are the API's as they are
PLAIN = ("matching_mode", "request_fields", "pick_limit", "pick_period_days")
PLAIN += ("mode", "nationality_quota", "offer_days")


class WeightsSerializer(serializers.Serializer):
    """A weight from 0 to 100 per score criterion."""

    def get_fields(self) -> dict:
        return {key: serializers.IntegerField(required=False) for key in CRITERIA}


class HardConstraintsSerializer(serializers.Serializer):
    """Which constraints the engine never breaks."""

    def get_fields(self) -> dict:
        return {key: serializers.BooleanField(required=False) for key in HARD_CONSTRAINTS}


class PolicySerializer(serializers.Serializer):
    matching_mode = serializers.ChoiceField(
        choices=MatchingPolicy.MatchingMode.choices,
        required=False,
        help_text="Who makes the pairs: the coordinator with the algorithm, buddies choosing "
        "from requests, or buddies accepting what the algorithm proposes. A change never "
        "touches the pairs already made.",
    )
    request_fields = serializers.ListField(
        child=serializers.ChoiceField(choices=RequestField.choices),
        required=False,
        help_text="What a request shows buddies who choose (never an email, surname or age).",
    )
    pick_limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=20,
        help_text="Requests a buddy may take per period.",
    )
    pick_period_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=365,
        help_text="The period of the pick limit, in days.",
    )
    mode = serializers.ChoiceField(
        choices=MatchingPolicy.Mode.choices,
        required=False,
        help_text="The goal: the best total score, or the fairest (lift the lowest first).",
    )
    nationality_quota = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="At most this many incoming students of one nationality per buddy (1-5); "
        "null for no limit.",
    )
    offer_days = serializers.IntegerField(
        required=False,
        help_text='Days a buddy has to answer an offer (1-30), in the "buddies accept" mode.',
    )
    weights = WeightsSerializer(required=False)
    hard_constraints = HardConstraintsSerializer(required=False)
    updated_at = serializers.DateTimeField(read_only=True)


def _represent(policy: MatchingPolicy) -> dict:
    initial = PolicyForm.initial_from(policy)
    return {
        **{name: initial[name] for name in PLAIN},
        "weights": {key: initial[WEIGHT + key] for key in CRITERIA},
        "hard_constraints": {key: initial[HARD + key] for key in HARD_CONSTRAINTS},
        "updated_at": policy.updated_at,
    }


def _form_data(current: MatchingPolicy, sent: dict) -> dict:
    """The form's fields: the current values, overwritten by those sent."""
    data = PolicyForm.initial_from(current)
    for name in PLAIN:
        if name in sent:
            data[name] = sent[name]
    data |= {WEIGHT + key: value for key, value in sent.get("weights", {}).items()}
    data |= {HARD + key: value for key, value in sent.get("hard_constraints", {}).items()}
    return {name: "" if value is None else value for name, value in data.items()}


def _errors(form: PolicyForm) -> dict:
    """The form's errors under the API's names (`weights.shared_languages` is nested)."""
    errors: dict = {}
    for name, messages in form.errors.items():
        for prefix, group in ((WEIGHT, "weights"), (HARD, "hard_constraints")):
            if name.startswith(prefix):
                errors.setdefault(group, {})[name.removeprefix(prefix)] = list(messages)
                break
        else:
            errors["non_field_errors" if name == "__all__" else name] = list(messages)
    return errors


class PolicyDetail(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(tags=TAGS, summary="The matching policy", responses={200: PolicySerializer})
    def get(self, request: Request) -> Response:
        return Response(PolicySerializer(_represent(MatchingPolicy.load())).data)


class UpdatePolicy(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Change the matching policy (the fields sent; the others are kept)",
        description="It applies from the next run.",
        request=PolicySerializer,
        responses={200: PolicySerializer},
    )
    def post(self, request: Request) -> Response:
        body = PolicySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        form = PolicyForm(_form_data(MatchingPolicy.load(), body.validated_data))
        if not form.is_valid():
            raise exceptions.ValidationError(_errors(form))
        policy = services.update_policy(request.user, form.policy_values())
        return Response(PolicySerializer(_represent(policy)).data)


class ResetPolicy(APIView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        tags=TAGS,
        summary="Put the matching policy back to its defaults",
        request=None,
        responses={200: PolicySerializer},
    )
    def post(self, request: Request) -> Response:
        policy = services.reset_policy(request.user)
        return Response(PolicySerializer(_represent(policy)).data)


urlpatterns = [
    path("matching-policy/", PolicyDetail.as_view(), name="matching_policy"),
    path("matching-policy/update/", UpdatePolicy.as_view(), name="matching_policy_update"),
    path("matching-policy/reset/", ResetPolicy.as_view(), name="matching_policy_reset"),
]
