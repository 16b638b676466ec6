"""Network admins managing network admins, within their scope (network.scope)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.accounts.models import User, normalise_email
from core.outbox.services import send_email
from network import audit
from network.emails import ADMIN_INVITATION
from network.models import AdminCountry, AdminRole
from network.scope import Scope


def invite_admin(
    scope: Scope, email: str, level: str, countries: set[str], language: str = "en"
) -> AdminRole:
    """Make `email` a network admin; they choose a password from the emailed link."""
    if level != AdminRole.Level.NATIONAL:
        countries = set()
    if not scope.may_grant(level, countries):
        raise PermissionDenied
    email = normalise_email(email)
    if User.objects.filter(email=email).exists():
        raise ValidationError({"email": [_("This email already has a platform account.")]})
    with transaction.atomic():
        user = User.objects.create_user(email)
        role = AdminRole.objects.create(
            user=user, level=level, invited_by=scope.user, language=language
        )
        AdminCountry.objects.bulk_create(
            AdminCountry(role=role, country=country) for country in sorted(countries)
        )
        send_email(f"admin-invitation:{role.pk}", ADMIN_INVITATION, role=role.pk)
        for country in sorted(countries) or [""]:
            audit.record(audit.ADMIN_INVITED, scope.user, country=country, role=role.pk)
    return role


def deactivate_admin(scope: Scope, role: AdminRole) -> None:
    if not scope.may_manage(role):
        raise PermissionDenied
    with transaction.atomic():
        User.objects.filter(pk=role.user_id).update(is_active=False)
        for country in sorted(str(c.country) for c in role.countries.all()) or [""]:
            audit.record(audit.ADMIN_DEACTIVATED, scope.user, country=country, role=role.pk)


def admins_in_scope(scope: Scope) -> QuerySet[AdminRole]:
    """The admins an admin sees: all for a European admin, else those sharing a country."""
    roles = AdminRole.objects.select_related("user").prefetch_related("countries")
    if scope.countries is None:
        return roles
    return roles.filter(countries__country__in=scope.countries).distinct()


def national_admins_of(country: str) -> QuerySet[User]:
    """Who is told of a join request from `country`: its national admins, else the European
    admins (a country nobody looks after yet)."""
    active = User.objects.filter(is_active=True)
    national = active.filter(
        admin_role__level=AdminRole.Level.NATIONAL, admin_role__countries__country=country
    )
    if national.exists():
        return national.distinct()
    return active.filter(admin_role__level=AdminRole.Level.EUROPEAN)
