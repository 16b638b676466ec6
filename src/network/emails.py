"""The network's emails, sent by the public schema's outbox by name: an admin's invitation,
a join request to the country's admins, and the decision to the applicant."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from core.outbox.emails import Email, EmailKind, register, render_email
from network.models import AdminRole, JoinRequest
from tenants.models import site_url

ADMIN_INVITATION = "network.admin_invitation"
JOIN_REQUEST_RECEIVED = "network.join_request_received"
JOIN_REQUEST_DECIDED = "network.join_request_decided"


def network_link(view_name: str, **kwargs) -> str:
    """An absolute link to a page of the root domain, for emails sent outside any request."""
    path = reverse(view_name, urlconf=settings.PUBLIC_SCHEMA_URLCONF, kwargs=kwargs or None)
    return site_url(settings.BASE_DOMAIN) + path


def _render(to: str, template: str, context: dict, language: str) -> Email:
    # No section: these emails come from the network, not from one section's programme.
    return render_email(
        to=to,
        template=f"network/email/{template}",
        context=context,
        language=language,
        section=None,
    )


def _admin_invitation(role: int) -> Email | None:
    found = AdminRole.objects.filter(pk=role, user__is_active=True).select_related("user").first()
    if found is None or found.user.has_usable_password():
        return None  # gone, or already accepted
    user = found.user
    link = network_link(
        "network:set_password",
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )
    countries = ", ".join(str(c.country.name) for c in found.countries.all())
    return _render(
        user.email,
        "admin_invitation",
        {"level": found.get_level_display(), "countries": countries, "link": link},
        found.language,
    )


def _join_request_received(request: int, admin: int) -> Email | None:
    join = JoinRequest.objects.filter(pk=request, status=JoinRequest.Status.PENDING).first()
    role = AdminRole.objects.filter(user=admin, user__is_active=True).select_related("user")
    role = role.first()
    if join is None or role is None:
        return None  # decided meanwhile, or the admin is gone
    return _render(
        role.user.email,
        "join_request",
        {"join": join, "link": network_link("network:join_request", request_id=join.pk)},
        role.language,
    )


def _join_request_decided(request: int) -> Email | None:
    join = JoinRequest.objects.filter(pk=request).select_related("section").first()
    if join is None or join.status == JoinRequest.Status.PENDING:
        return None
    portal = join.section.portal_url + "/" if join.section is not None else ""
    return _render(
        join.contact_email,
        "join_decided",
        {"join": join, "approved": join.status == JoinRequest.Status.APPROVED, "portal": portal},
        join.default_language,
    )


def register_kinds() -> None:
    register(EmailKind(ADMIN_INVITATION, _("Network admin invitation"), _admin_invitation))
    register(
        EmailKind(JOIN_REQUEST_RECEIVED, _("Join request to the admins"), _join_request_received)
    )
    register(EmailKind(JOIN_REQUEST_DECIDED, _("Join request decision"), _join_request_decided))
