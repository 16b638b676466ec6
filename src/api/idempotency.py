"""Idempotency keys on the API's writes that send email (Stripe's `Idempotency-Key` header).

A write sent again with the same key gets the first answer again (`Idempotent-Replayed: true`)
and does nothing more: a client that lost the answer to "confirm these proposals" can retry
without confirming, or emailing, twice. The key is claimed in the write's own transaction, so
two copies sent at once wait for each other and only one writes. A key used again for another
write (another path or body) is refused with 422. Without the header a write runs as usual.
"""

import hashlib
import json
from functools import wraps

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100


class KeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was already used for another request.")
    default_code = "idempotency_key_reused"


def idempotent(method):
    """For an API view's `post`: answered once per key and user."""

    @wraps(method)
    def wrapper(view, request: Request, *args, **kwargs) -> Response:
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            raise exceptions.ValidationError(
                {HEADER: [_("At most %(n)d characters.") % {"n": MAX_KEY_LENGTH}]}
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claimed = IdempotencyKey.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint, status_code=0
                    )
            except IntegrityError:
                return _replay(request, key, fingerprint)
            response = method(view, request, *args, **kwargs)
            if response.status_code >= 400:
                # an error is not kept: the client may correct the request and send it again
                transaction.set_rollback(True)
                return response
            claimed.status_code = response.status_code
            claimed.body = response.data
            claimed.save(update_fields=["status_code", "body"])
            return response

    return wrapper


def _replay(request: Request, key: str, fingerprint: str) -> Response:
    first = IdempotencyKey.objects.get(user=request.user, key=key)
    if first.fingerprint != fingerprint:
        raise KeyReused
    return Response(first.body, status=first.status_code, headers={"Idempotent-Replayed": "true"})


def _fingerprint(request: Request) -> str:
    try:
        body = json.dumps(request.data, sort_keys=True, default=_file_digest)
    except exceptions.UnsupportedMediaType:
        # a body of a type the view does not read (a bodiless POST sent as a form): its bytes
        body = hashlib.sha256(request._request.body).hexdigest()
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _file_digest(value) -> str:
    """An uploaded file (an import's CSV) counts by its content, not its name."""
    if isinstance(value, UploadedFile):
        content = hashlib.sha256()
        for chunk in value.chunks():
            content.update(chunk)
        value.seek(0)
        return content.hexdigest()
    return str(value)
