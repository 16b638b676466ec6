"""GET /api/v1/tokens/: the section's tokens, so an integration can see when its own expires.

Tokens are made and revoked on the coordinators' page only, never through the API: a leaked
token must not be able to make more of itself.
"""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from api.models import ApiToken
from api.permissions import IsCoordinator


class TokenSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="user.email", read_only=True)
    current = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "scope", "created_by", "created_at", "expires_at"]
        fields += ["last_used_at", "revoked_at", "current"]

    def get_current(self, token: ApiToken) -> bool:
        """True for the token this request was made with."""
        return token == self.context["request"].auth


@extend_schema(tags=["tokens"], summary="The section's API tokens")
class TokenList(generics.ListAPIView):
    serializer_class = TokenSerializer
    permission_classes = [IsCoordinator]
    queryset = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")


urlpatterns = [path("tokens/", TokenList.as_view(), name="tokens")]
