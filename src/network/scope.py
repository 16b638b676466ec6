"""Who may do what on the network pages: the one rule every page, action and task asks.

A European admin (or a superuser) sees every section; a national admin the sections of the
countries assigned to them; anybody else nothing. Admins manage admins within their scope: a
national admin invites national admins of their own countries only.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from core.accounts.models import User
from network.models import AdminRole
from tenants.models import Section


@dataclass(frozen=True)
class Scope:
    """An admin's reach: every country (`countries` None) or these country codes."""

    user: User
    level: str
    countries: frozenset[str] | None

    @property
    def is_european(self) -> bool:
        return self.countries is None

    def covers(self, country: str) -> bool:
        return self.countries is None or str(country) in self.countries

    def sections(self) -> QuerySet[Section]:
        sections = Section.objects.exclude(schema_name="public")
        if self.countries is not None:
            sections = sections.filter(country__in=self.countries)
        return sections

    def section(self, pk: int) -> Section:
        """The section `pk` if it is in scope; a 404 otherwise (nobody learns it exists)."""
        section = self.sections().filter(pk=pk).first()
        if section is None:
            raise Http404
        return section

    def require(self, country: str) -> None:
        if not self.covers(country):
            raise PermissionDenied

    def country_filter(self, field: str = "country") -> Q:
        return Q() if self.countries is None else Q(**{f"{field}__in": self.countries})

    def may_grant(self, level: str, countries: set[str]) -> bool:
        """Whether this admin may make someone an admin of `level` for `countries`."""
        if self.is_european:
            return level == AdminRole.Level.EUROPEAN or bool(countries)
        return level == AdminRole.Level.NATIONAL and bool(countries) and countries <= self.countries

    def may_manage(self, role: AdminRole) -> bool:
        """Whether this admin may change another admin's role (never their own)."""
        if role.user_id == self.user.pk:
            return False
        if self.is_european:
            return True
        return role.level == AdminRole.Level.NATIONAL and self.may_grant(
            role.level, {str(c.country) for c in role.countries.all()}
        )


def scope_of(user: User) -> Scope | None:
    """The user's scope on the network pages, or None when they have none."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Scope(user, AdminRole.Level.EUROPEAN, None)
    role = AdminRole.objects.filter(user=user).prefetch_related("countries").first()
    if role is None:
        return None
    if role.level == AdminRole.Level.EUROPEAN:
        return Scope(user, role.level, None)
    return Scope(user, role.level, frozenset(str(c.country) for c in role.countries.all()))


def require_scope(user: User) -> Scope:
    scope = scope_of(user)
    if scope is None:
        raise PermissionDenied
    return scope
