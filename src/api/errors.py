"""One error format for every 4xx of the API:

    {"code": "invalid", "message": "…", "fields": {"name": ["This field is required."]}}

`code` is stable (for programs), `message` is in the request's language (for people),
`fields` holds the field errors of a validation error (empty otherwise). A service's Django
`ValidationError` (the rule the web page shows as a form error) becomes the same 400.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, Http404):  # get_object_or_404: the code a client reads, "not_found"
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a 500: Django's handler, Sentry and the logs take it
    response.data = error_body(exc, response.data)
    return response


def error_body(exc: Exception, detail) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        if isinstance(detail, dict):
            return {
                "code": "invalid",
                "message": _("Some fields are not valid."),
                "fields": detail,
            }
        messages = detail if isinstance(detail, list) else [detail]
        return {"code": "invalid", "message": " ".join(map(str, messages)), "fields": {}}
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    message = detail.get("detail", "") if isinstance(detail, dict) else str(detail)
    return {"code": code, "message": str(message), "fields": {}}


def _django_errors(error: DjangoValidationError) -> dict | list:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return error.messages


@csrf_exempt  # a POST to no endpoint is a 404 in JSON, not Django's CSRF page in HTML
def not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """Any path under /api/ that names no endpoint: the same 404 as the endpoints give."""
    return JsonResponse(
        {"code": "not_found", "message": _("No such API endpoint."), "fields": {}}, status=404
    )
