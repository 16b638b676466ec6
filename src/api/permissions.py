"""Who may call what: the section's students, its coordinators (their tokens too)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from network.scope import scope_of


class IsCoordinator(BasePermission):
    message = _("Only the section's coordinators may do this.")

    def has_permission(self, request: Request, view) -> bool:
        return bool(request.user.is_authenticated and request.user.is_coordinator)


class IsStudent(BasePermission):
    """A student of the section (a profile of theirs): tokens are coordinators', never this."""

    message = _("Only the section's students may do this.")

    def has_permission(self, request: Request, view) -> bool:
        user = request.user
        return bool(user.is_authenticated and hasattr(user, "profile"))


class IsNetworkAdmin(BasePermission):
    """A European or national admin (root domain): what they reach is their network.scope."""

    message = _("Only the network's admins may do this.")

    def has_permission(self, request: Request, view) -> bool:
        return scope_of(request.user) is not None
