"""The client's address as the platform sees it, behind the reverse proxies it trusts.

Behind N proxies (TRUSTED_PROXIES), each appends the address it received the request from
to X-Forwarded-For, and the last one is REMOTE_ADDR: the client is the N-th entry from the
right. Entries left of it are whatever the client sent, so they are never believed; without
proxies the header is ignored altogether. Throttles and django-axes count by this address.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXIES
    if proxies <= 0:
        return peer
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return peer  # not through all our proxies: only the peer is known
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer
