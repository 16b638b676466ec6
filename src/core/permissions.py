from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import InternalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from psycopg.errors import ReadOnlySqlTransaction

# Who else may look at the coordinator pages, read-only: a network admin's support access
# (network.support registers it; core cannot import the apps above it).
_support_access: list[Callable[[HttpRequest], object | None]] = []
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_support_access(resolver: Callable[[HttpRequest], object | None]) -> None:
    """`resolver(request)` returns the user-like visitor of a support access, or None."""
    _support_access.append(resolver)


def coordinator_required(view):
    """Only the section's coordinators: others log in first, students are refused.

    A network admin with a support access gets the page read-only: any method but a read is
    refused, and the view runs in a READ ONLY transaction, so PostgreSQL refuses any write a
    page would make (an export's audit line) and the visitor gets a 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_coordinator):
            visitor = _support_visitor(request)
            if visitor is not None:
                return _read_only(view, request, visitor, *args, **kwargs)
        return _coordinator_only(view)(request, *args, **kwargs)

    return wrapper


def _coordinator_only(view):
    @login_required
    def check(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_coordinator:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check


def _support_visitor(request: HttpRequest) -> object | None:
    for resolver in _support_access:
        visitor = resolver(request)
        if visitor is not None:
            return visitor
    return None


def _read_only(view, request: HttpRequest, visitor, *args, **kwargs) -> HttpResponse:
    if request.method not in READ_METHODS:
        raise PermissionDenied
    request.user = visitor
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION READ ONLY")
            return view(request, *args, **kwargs)
    except InternalError as error:
        if isinstance(error.__cause__, ReadOnlySqlTransaction):
            raise PermissionDenied from error
        raise
    except ValueError as error:
        # The visitor is an unsaved user: a write naming them as its actor stops before SQL.
        if "unsaved related object" in str(error):
            raise PermissionDenied from error
        raise
