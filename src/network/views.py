"""The network pages on the root domain (/network/...), for European and national admins;
the join request form for anyone. Every view asks network.scope (`admin_required`)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.ids import parse_id
from core.throttling import attempts_exceeded
from network import admins, joining, lifecycle, support
from network.audit import events_in_scope, label
from network.forms import (
    ApproveForm,
    CsvImportForm,
    EditSectionForm,
    EmailForm,
    InviteAdminForm,
    JoinRequestForm,
    ReasonForm,
    SectionForm,
    SectionSearchForm,
    StatisticsFilterForm,
    SupportForm,
)
from network.models import JoinRequest
from network.scope import Scope, scope_of
from network.selectors import countries_with_sections, find_sections
from network.statistics import selectors as stats
from network.statistics.charts import grouped_bars
from network.statistics.semesters import semester_label

JOIN_REQUESTS_PER_HOUR = 5  # per client address
SECTIONS_PER_PAGE = 50
EVENTS_PER_PAGE = 100


def admin_required(view):
    """Network admins only: others log in first; an account without a role is refused."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("network:login"))
        scope = scope_of(request.user)
        if scope is None:
            raise PermissionDenied
        return view(request, scope, *args, **kwargs)

    return wrapper


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


# --- statistics --------------------------------------------------------------------------


@admin_required
def statistics(request: HttpRequest, scope: Scope) -> HttpResponse:
    offered = stats.selection(scope)
    country = request.GET.get("country", "")
    filters = StatisticsFilterForm(
        request.GET or None,
        countries=offered.countries,
        sections=stats.section_choices(offered, scope, country),
        semesters=offered.semesters,
    )
    chosen = filters.cleaned_data if filters.is_valid() else {}
    figures = stats.network_figures(
        scope,
        offered,
        country=chosen.get("country", ""),
        section=chosen.get("section"),
        semester=chosen.get("semester", ""),
    )
    chart = grouped_bars(
        [
            (semester_label(code), [t.registered_incoming, t.registered_buddies, t.pairs_made])
            for code, t in figures.trend[-8:]
        ],
        [_("Incoming students"), _("Local buddies"), _("Pairs made")],
    )
    return render(
        request,
        "network/statistics.html",
        {
            "scope": scope,
            "filters": filters,
            "figures": figures,
            "totals": figures.totals,
            "trend": [(semester_label(code), t) for code, t in figures.trend],
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


@admin_required
def statistics_csv(request: HttpRequest, scope: Scope) -> HttpResponse:
    country = request.GET.get("country", "")
    section = parse_id(request.GET.get("section"))
    snapshots = stats.snapshots_in_scope(scope, country=country, section=section)
    if request.GET.get("semester"):
        snapshots = snapshots.filter(semester=request.GET["semester"])
    response = HttpResponse(stats.csv_rows(snapshots), content_type="text/csv; charset=utf-8")
    filename = f"buddysystem-statistics-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- joining -----------------------------------------------------------------------------


def join(request: HttpRequest) -> HttpResponse:
    """Anyone: an association or university asks to run the buddy programme."""
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and attempts_exceeded(
        request, "join", JOIN_REQUESTS_PER_HOUR, 3600
    ):
        # each request emails admins: a client cannot flood their inboxes
        return render(request, "network/too_many_attempts.html", status=429)
    if request.method == "POST" and form.is_valid():
        joining.submit_join_request(**form.cleaned_data)
        return redirect("network:join_sent")
    return render(request, "network/join.html", {"form": form})


def join_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "network/join_sent.html")


@admin_required
def join_requests(request: HttpRequest, scope: Scope) -> HttpResponse:
    requests = joining.requests_in_scope(scope)
    return render(
        request,
        "network/join_requests.html",
        {
            "pending": requests.filter(status=JoinRequest.Status.PENDING),
            "decided": requests.exclude(status=JoinRequest.Status.PENDING)[:50],
        },
    )


def _join_in_scope(scope: Scope, request_id: int) -> JoinRequest:
    return get_object_or_404(joining.requests_in_scope(scope), pk=request_id)


@admin_required
def join_request(request: HttpRequest, scope: Scope, request_id: int) -> HttpResponse:
    join = _join_in_scope(scope, request_id)
    approve_form = ApproveForm(
        initial={"slug": "".join(c for c in join.city.lower() if c.isalnum())}
    )
    return _join_page(request, join, approve_form, ReasonForm())


def _join_page(request, join, approve_form, decline_form, status=200) -> HttpResponse:
    return render(
        request,
        "network/join_request.html",
        {"join": join, "approve_form": approve_form, "decline_form": decline_form},
        status=status,
    )


@require_POST
@admin_required
def approve_join_request(request: HttpRequest, scope: Scope, request_id: int) -> HttpResponse:
    join = _join_in_scope(scope, request_id)
    form = ApproveForm(request.POST)
    if form.is_valid():
        try:
            section = joining.approve(scope, join, form.cleaned_data["slug"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is onboarded; its coordinator is invited.") % {"name": section.name},
            )
            return redirect("network:section", section_id=section.pk)
    return _join_page(request, join, form, ReasonForm(), status=400)


@require_POST
@admin_required
def decline_join_request(request: HttpRequest, scope: Scope, request_id: int) -> HttpResponse:
    join = _join_in_scope(scope, request_id)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            joining.decline(scope, join, form.cleaned_data["reason"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("The request is declined; the applicant is told why."))
            return redirect("network:join_requests")
    return _join_page(request, join, ApproveForm(), form, status=400)


# --- sections ----------------------------------------------------------------------------


@admin_required
def sections(request: HttpRequest, scope: Scope) -> HttpResponse:
    search = SectionSearchForm(request.GET or None, countries=countries_with_sections(scope))
    found = find_sections(scope, **(search.cleaned_data if search.is_valid() else {}))
    page = Paginator(found, SECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network/sections.html",
        {"search": search, "page": page, "query": query.urlencode()},
    )


@admin_required
def new_section(request: HttpRequest, scope: Scope) -> HttpResponse:
    form = SectionForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            section = joining.onboard(scope, form.details())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is onboarded; its coordinator is invited.") % {"name": section.name},
            )
            return redirect("network:section", section_id=section.pk)
    return render(
        request, "network/new_section.html", {"form": form}, status=400 if form.errors else 200
    )


@admin_required
def import_sections(request: HttpRequest, scope: Scope) -> HttpResponse:
    form = CsvImportForm(request.POST or None, request.FILES or None)
    results = None
    if request.method == "POST" and form.is_valid():
        try:
            results = joining.import_sections(scope, form.cleaned_data["file"])
        except ValidationError as error:
            _form_errors(form, error)
    return render(
        request,
        "network/import_sections.html",
        {
            "form": form,
            "results": results,
            "created": sum(1 for r in results or [] if r.section),
            "columns": joining.CSV_COLUMNS,
            "max_rows": joining.MAX_CSV_ROWS,
        },
        status=400 if form.errors else 200,
    )


def _section_page(
    request, scope, section, *, edit_form=None, invite_form=None, support_form=None, status=200
):
    return render(
        request,
        "network/section.html",
        {
            "section": section,
            "edit_form": edit_form or EditSectionForm(instance=section, scope=scope),
            "invite_form": invite_form or EmailForm(),
            "support_form": support_form or SupportForm(),
            "coordinators": lifecycle.coordinators_of(scope, section),
            "grants": support.grants_in_scope(scope).filter(section=section)[:10],
            "now": timezone.now(),
            "history": stats.section_history(section.pk, limit=8),
        },
        status=status,
    )


@admin_required
def section(request: HttpRequest, scope: Scope, section_id: int) -> HttpResponse:
    found = scope.section(section_id)
    if request.method == "POST":
        form = EditSectionForm(request.POST, instance=scope.section(section_id), scope=scope)
        if form.is_valid():
            lifecycle.edit_section(scope, found, form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("network:section", section_id=found.pk)
        return _section_page(request, scope, found, edit_form=form, status=400)
    return _section_page(request, scope, found)


@require_POST
@admin_required
def set_section_active(request: HttpRequest, scope: Scope, section_id: int) -> HttpResponse:
    found = scope.section(section_id)
    active = request.POST.get("active") == "1"
    lifecycle.set_active(scope, found, active)
    if active:
        messages.success(request, _("The section's portal is open again."))
    else:
        messages.success(request, _("The section's portal is closed; its data is kept."))
    return redirect("network:section", section_id=found.pk)


@require_POST
@admin_required
def invite_coordinator(request: HttpRequest, scope: Scope, section_id: int) -> HttpResponse:
    found = scope.section(section_id)
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            lifecycle.invite_section_coordinator(scope, found, form.cleaned_data["email"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("network:section", section_id=found.pk)
    return _section_page(request, scope, found, invite_form=form, status=400)


@require_POST
@admin_required
def deactivate_coordinator(
    request: HttpRequest, scope: Scope, section_id: int, user_id: int
) -> HttpResponse:
    found = scope.section(section_id)
    lifecycle.deactivate_section_coordinator(scope, found, user_id)
    messages.success(request, _("The coordinator's account is switched off."))
    return redirect("network:section", section_id=found.pk)


@require_POST
@admin_required
def open_support_access(request: HttpRequest, scope: Scope, section_id: int) -> HttpResponse:
    found = scope.section(section_id)
    form = SupportForm(request.POST)
    if form.is_valid():
        try:
            grant = support.open_access(
                scope, found, form.cleaned_data["reason"], form.cleaned_data["minutes"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            return redirect(support.entry_link(grant))
    return _section_page(request, scope, found, support_form=form, status=400)


@require_POST
@admin_required
def end_support_access(
    request: HttpRequest, scope: Scope, section_id: int, grant_id: int
) -> HttpResponse:
    found = scope.section(section_id)
    grant = get_object_or_404(support.grants_in_scope(scope), pk=grant_id, section=found)
    support.end_access(scope, grant)
    messages.success(request, _("Support access ended."))
    return redirect("network:section", section_id=found.pk)


# --- admins and the audit log -----------------------------------------------------------


@admin_required
def admin_list(request: HttpRequest, scope: Scope) -> HttpResponse:
    form = InviteAdminForm(
        request.POST or None, scope=scope, initial={"language": request.LANGUAGE_CODE}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admins.invite_admin(
                scope, data["email"], data["level"], set(data["countries"]), data["language"]
            )
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("network:admins")
    roles = [(role, scope.may_manage(role)) for role in admins.admins_in_scope(scope)]
    return render(
        request,
        "network/admins.html",
        {"form": form, "roles": roles},
        status=400 if form.errors else 200,
    )


@require_POST
@admin_required
def deactivate_admin(request: HttpRequest, scope: Scope, role_id: int) -> HttpResponse:
    role = get_object_or_404(admins.admins_in_scope(scope), pk=role_id)
    admins.deactivate_admin(scope, role)
    messages.success(request, _("The admin's account is switched off."))
    return redirect("network:admins")


@admin_required
def audit_log(request: HttpRequest, scope: Scope) -> HttpResponse:
    page = Paginator(events_in_scope(scope), EVENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/audit_log.html",
        {"page": page, "rows": [(event, label(event.action)) for event in page]},
    )
