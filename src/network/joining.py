"""Sections joining the network: a request from the root domain that the country's admins
approve or decline, and admins onboarding sections directly, one or many from a CSV file.

Onboarding is tenants.onboarding's, the one way a section is created."""

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox.services import send_email
from network import audit
from network.admins import national_admins_of
from network.emails import JOIN_REQUEST_DECIDED, JOIN_REQUEST_RECEIVED
from network.models import JoinRequest
from network.scope import Scope
from tenants.models import Section
from tenants.onboarding import SectionDetails, onboard_section

CSV_COLUMNS = (
    "slug",
    "name",
    "city",
    "country",
    "coordinator_email",
    "kind",
    "default_language",
    "contact_email",
)
REQUIRED_COLUMNS = frozenset(CSV_COLUMNS[:5])
# Each row is onboarded in the request (about 0.1 s each): a bigger file is split.
MAX_CSV_ROWS = 200


def submit_join_request(**fields) -> JoinRequest:
    """Record the request and email the country's admins, in one transaction."""
    with transaction.atomic():
        join = JoinRequest.objects.create(**fields)
        for admin in national_admins_of(join.country):
            send_email(
                f"join-request:{join.pk}:{admin.pk}",
                JOIN_REQUEST_RECEIVED,
                request=join.pk,
                admin=admin.pk,
            )
        audit.record(audit.JOIN_REQUESTED, None, country=str(join.country), request=join.pk)
    return join


def _pending(scope: Scope, join: JoinRequest) -> JoinRequest:
    scope.require(join.country)
    locked = JoinRequest.objects.select_for_update().get(pk=join.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise ValidationError(_("This request has already been decided."))
    return locked


def approve(scope: Scope, join: JoinRequest, slug: str) -> Section:
    """Onboard the section the request asks for and tell the applicant; all or nothing."""
    with transaction.atomic():
        join = _pending(scope, join)
        section = onboard_section(
            SectionDetails(
                slug=slug.strip().lower(),
                name=join.name,
                city=join.city,
                country=str(join.country),
                coordinator_email=join.coordinator_email,
                contact_email=join.contact_email,
                kind=join.kind,
                default_language=join.default_language,
            )
        )
        join.status = JoinRequest.Status.APPROVED
        join.section = section
        join.decided_by = scope.user
        join.decided_at = timezone.now()
        join.save(update_fields=["status", "section", "decided_by", "decided_at"])
        send_email(f"join-decided:{join.pk}", JOIN_REQUEST_DECIDED, request=join.pk)
        audit.record(audit.JOIN_APPROVED, scope.user, section=section, request=join.pk)
    return section


def decline(scope: Scope, join: JoinRequest, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why, for the applicant.")]})
    with transaction.atomic():
        join = _pending(scope, join)
        join.status = JoinRequest.Status.DECLINED
        join.decline_reason = reason
        join.decided_by = scope.user
        join.decided_at = timezone.now()
        join.save(update_fields=["status", "decline_reason", "decided_by", "decided_at"])
        send_email(f"join-decided:{join.pk}", JOIN_REQUEST_DECIDED, request=join.pk)
        audit.record(audit.JOIN_DECLINED, scope.user, country=str(join.country), request=join.pk)


def onboard(scope: Scope, details: SectionDetails) -> Section:
    """Onboard a section directly, in a country of the admin's."""
    if not scope.covers(details.country.upper()):
        raise ValidationError({"country": [_("This country is not one of yours.")]})
    with transaction.atomic():
        section = onboard_section(details)
        audit.record(audit.SECTION_ONBOARDED, scope.user, section=section)
    return section


@dataclass(frozen=True)
class RowResult:
    line: int
    slug: str
    section: Section | None
    problems: tuple[str, ...] = ()


def import_sections(scope: Scope, upload: bytes) -> list[RowResult]:
    """Onboard a section per row of a CSV file (CSV_COLUMNS as its header), each row alone:
    a refused row says why and the others go on."""
    try:
        text = upload.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(_("Save the file as CSV in UTF-8.")) from error
    reader = csv.DictReader(io.StringIO(text))
    header = {name.strip() for name in reader.fieldnames or []}
    missing = REQUIRED_COLUMNS - header
    if missing:
        raise ValidationError(
            _("The first line must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(sorted(missing))}
        )
    rows = list(reader)
    if len(rows) > MAX_CSV_ROWS:
        raise ValidationError(_("At most %(count)d sections per file.") % {"count": MAX_CSV_ROWS})
    results = []
    for line, row in enumerate(rows, start=2):
        values = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        details = SectionDetails(
            slug=values.get("slug", "").lower(),
            name=values.get("name", ""),
            city=values.get("city", ""),
            country=values.get("country", "").upper(),
            coordinator_email=values.get("coordinator_email", ""),
            contact_email=values.get("contact_email", ""),
            kind=values.get("kind") or Section.Kind.ASSOCIATION,
            default_language=values.get("default_language") or "en",
        )
        try:
            section = onboard(scope, details)
        except ValidationError as error:
            problems = tuple(
                f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items()
                for message in messages
            )
            results.append(RowResult(line, details.slug, None, problems))
        else:
            results.append(RowResult(line, details.slug, section))
    created = sum(1 for result in results if result.section is not None)
    audit.record(
        audit.SECTIONS_IMPORTED, scope.user, created=created, refused=len(results) - created
    )
    return results


def requests_in_scope(scope: Scope):
    return JoinRequest.objects.filter(scope.country_filter())
