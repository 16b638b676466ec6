"""Who may call what: the section's students, its coordinators (their tokens too)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


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
