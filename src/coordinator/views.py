"""The coordinator's coordinator: dashboard, students, the section's settings, audit log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coordinator import selectors, services
from coordinator.forms import (
    BrandingForm,
    CatalogueEntryForm,
    InviteCoordinatorForm,
    NoteForm,
    ProgrammeForm,
    TranslatedNamesForm,
)
from core import audit
from core import services as core_services
from core.accounts.models import User
from core.ids import parse_id
from core.models import AuditEvent, Hobby, PlaceOfStudy, Profile, SectionSettings
from core.outbox.emails import label as email_label
from core.outbox.selectors import failed_messages
from core.outbox.services import retry_failed
from core.permissions import coordinator_required
from core.readiness import setup_checklist
from core.translated import other_languages
from matching import students as student_selectors
from matching.followup.selectors import pairs_needing_attention
from matching.forms import StudentFilterForm
from matching.offers.selectors import offer_counts

STUDENTS_PER_PAGE = 50
EVENTS_PER_PAGE = 100
FAILED_EMAILS_SHOWN = 20
CATALOGUES = {"places": PlaceOfStudy, "hobbies": Hobby}


@coordinator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    arrivals = selectors.arrivals_per_week(today)
    busiest = max((count for _week, count in arrivals), default=0) or 1
    checklist = setup_checklist()
    return render(
        request,
        "coordinator/dashboard.html",
        {
            "checklist": checklist,
            "checklist_done": all(step.done for step in checklist),
            "set_up": all(step.done for step in checklist if step.required),
            "counts": selectors.counts_by_role(today),
            "shortage": selectors.buddy_shortage(today),
            "arrivals": [(week, count, round(100 * count / busiest)) for week, count in arrivals],
            "unverified": selectors.unverified_for_a_week()[:20],
            "arriving_soon": selectors.arriving_soon_without_buddy(today)[:20],
            "new_buddy_requests": pairs_needing_attention().select_related(
                "incoming__user", "buddy__user"
            )[:20],
            "ended_pairs": selectors.ended_pairs_needing_attention(today)[:20],
            "offers": offer_counts(),
            "failed_emails": [
                (row, email_label(row.name)) for row in failed_messages()[:FAILED_EMAILS_SHOWN]
            ],
        },
    )


@coordinator_required
def students(request: HttpRequest) -> HttpResponse:
    filters = StudentFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    page = Paginator(student_selectors.student_list(chosen, today), STUDENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coordinator/students.html",
        {"filters": filters, "page": page, "query": query.urlencode()},
    )


@coordinator_required
def student(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_object_or_404(
        Profile.objects.select_related("user", "place_of_study"), pk=profile_id
    )
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        core_services.add_note(request.user, profile, form.cleaned_data["text"])
        messages.success(request, _("Note added."))
        return redirect("coordinator:student", profile_id=profile.pk)
    return render(
        request,
        "coordinator/student.html",
        {
            "profile": profile,
            "pairs": student_selectors.pair_history(profile),
            "notes": profile.notes.select_related("author"),
            "note_form": form,
        },
    )


@require_POST
@coordinator_required
def set_student_active(request: HttpRequest, profile_id: int) -> HttpResponse:
    profile = get_object_or_404(Profile, pk=profile_id)
    if request.POST.get("active") == "yes":
        core_services.reactivate_profile(request.user, profile)
        messages.success(request, _("The profile is active again."))
    else:
        core_services.deactivate_profile(request.user, profile)
        messages.success(request, _("The profile is deactivated: out of matching, pairs ended."))
    return redirect("coordinator:student", profile_id=profile.pk)


@coordinator_required
def section_settings(request: HttpRequest) -> HttpResponse:
    programme = SectionSettings.load()
    section = request.section
    branding = BrandingForm(instance=section, welcome_texts=programme.welcome_texts)
    programme_form = ProgrammeForm(instance=programme)
    form_name = request.POST.get("form")
    if request.method == "POST" and form_name == "branding":
        branding = BrandingForm(
            request.POST, request.FILES, instance=section, welcome_texts=programme.welcome_texts
        )
        if branding.is_valid():
            services.update_branding(
                request.user, section, branding.section_values(), branding.welcome_texts()
            )
            messages.success(request, _("Branding saved."))
            return redirect("coordinator:settings")
    elif request.method == "POST" and form_name == "programme":
        programme_form = ProgrammeForm(request.POST, instance=SectionSettings.load())
        if programme_form.is_valid():
            services.update_programme(
                request.user,
                {field: programme_form.cleaned_data[field] for field in ProgrammeForm.Meta.fields}
                | {"privacy_notices": programme_form.privacy_notices()},
            )
            messages.success(request, _("Programme settings saved."))
            return redirect("coordinator:settings")
    return render(
        request,
        "coordinator/settings.html",
        {
            "branding": branding,
            "programme": programme_form,
            "places": _with_translations(PlaceOfStudy.objects.all(), request),
            "hobbies": _with_translations(Hobby.objects.all(), request),
            # one form per list: each "Name" input has an id of its own
            "place_form": CatalogueEntryForm(auto_id="place_%s"),
            "hobby_form": CatalogueEntryForm(auto_id="hobby_%s"),
        },
    )


def _with_translations(entries, request: HttpRequest) -> list:
    """Each entry with its names in the languages other than the section's, for its form."""
    others = other_languages(request.section.default_language)
    return [
        (entry, [(code, name, entry.translations.get(code, "")) for code, name in others])
        for entry in entries
    ]


@require_POST
@coordinator_required
def catalogue(request: HttpRequest, kind: str) -> HttpResponse:
    model = CATALOGUES[kind]
    if "switch_off" in request.POST:
        entry = get_object_or_404(model, pk=parse_id(request.POST["switch_off"]))
        services.switch_off_catalogue_entry(request.user, entry)
        return redirect("coordinator:settings")
    if "translate" in request.POST:
        entry = get_object_or_404(model, pk=parse_id(request.POST["translate"]))
        names = TranslatedNamesForm(request.POST, own_language=request.section.default_language)
        if names.is_valid():
            services.translate_catalogue_entry(request.user, entry, names.translations())
        else:
            messages.error(request, _("Give names of at most 60 characters."))
        return redirect("coordinator:settings")
    form = CatalogueEntryForm(request.POST)
    if form.is_valid():
        try:
            services.save_catalogue_entry(request.user, model, form.cleaned_data["name"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, _("Give a name of at most 60 characters."))
    return redirect("coordinator:settings")


@coordinator_required
def team(request: HttpRequest) -> HttpResponse:
    form = InviteCoordinatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_co_coordinator(request.user, form.cleaned_data["email"])
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Invitation sent."))
            return redirect("coordinator:team")
    coordinators = User.objects.filter(is_coordinator=True).order_by("-is_active", "email")
    return render(request, "coordinator/team.html", {"form": form, "coordinators": coordinators})


@require_POST
@coordinator_required
def deactivate_coordinator(request: HttpRequest, user_id: int) -> HttpResponse:
    other = get_object_or_404(User, pk=user_id, is_coordinator=True)
    try:
        services.deactivate_coordinator(request.user, other)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("coordinator:team")


@coordinator_required
def audit_log(request: HttpRequest) -> HttpResponse:
    page = Paginator(
        AuditEvent.objects.select_related("actor").order_by("-at", "-pk"), EVENTS_PER_PAGE
    ).get_page(request.GET.get("page"))
    rows = [(event, audit.label(event.action), audit.describe(event.details)) for event in page]
    return render(request, "coordinator/audit_log.html", {"page": page, "rows": rows})


@require_POST
@coordinator_required
def retry_email(request: HttpRequest, message_id: int) -> HttpResponse:
    failed = get_object_or_404(failed_messages(), pk=message_id)
    if retry_failed(failed.pk):
        messages.success(request, _("The email will be sent again."))
    return redirect("coordinator:dashboard")
