from rest_framework.request import Request

from network.scope import Scope, require_scope


def admin_scope(request: Request) -> Scope:
    """The caller's reach (IsNetworkAdmin let only admins in)."""
    return require_scope(request.user)
