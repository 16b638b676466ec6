"""The student portal on a section's subdomain. Views stay thin: services and selectors work."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import selectors, services
from core.forms import DeleteAccountForm, ProfileForm, RegistrationForm, SpokenLanguageFormSet
from core.models import AuditEvent, Profile, SectionSettings
from core.throttling import attempts_exceeded

REGISTRATIONS_PER_HOUR = 10
RESENDS_PER_HOUR = 5  # per client address; the per-account cap is services.RESENDS_PER_DAY


def home(request: HttpRequest) -> HttpResponse:
    """The section's branded front page."""
    profile = _profile_of(request.user)
    programme = SectionSettings.load()
    registration = programme.registration_state(timezone.localdate())
    return render(
        request,
        "core/home.html",
        {
            "section": request.section,
            "welcome_text": programme.welcome_texts.get(get_language())
            or request.section.welcome_text,
            "registration_open": registration == SectionSettings.OPEN,
            "opening_soon": registration == SectionSettings.OPENING_SOON,
            "profile": profile,
            "panels": selectors.account_panels(request, profile) if profile else [],
        },
    )


def privacy_notice(request: HttpRequest) -> HttpResponse:
    programme = SectionSettings.load()
    return render(
        request,
        "core/privacy.html",
        {
            "notice": programme.privacy_notice(get_language(), request.section.default_language),
            "version": programme.privacy_notice_version,
        },
    )


def _registration_closed(request: HttpRequest, state: str) -> HttpResponse:
    """Closed for now (dates, switched off), or opening soon (the section is being set up)."""
    opening_soon = state == SectionSettings.OPENING_SOON
    return render(
        request, "core/registration_closed.html", {"opening_soon": opening_soon}, status=403
    )


def register(request: HttpRequest, role: str) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:account")
    section_settings = SectionSettings.load()
    state = section_settings.registration_state(timezone.localdate())
    if state != SectionSettings.OPEN:
        return _registration_closed(request, state)
    form = RegistrationForm(request.POST or None, role=role, initial={"language": get_language()})
    languages = SpokenLanguageFormSet(request.POST or None, prefix="languages")
    if request.method == "POST":
        if attempts_exceeded(request, "register", REGISTRATIONS_PER_HOUR, 3600):
            return render(request, "core/too_many_attempts.html", status=429)
        if form.is_valid() and languages.is_valid():
            # A taken address ends on the same page as a new one (its owner gets an email):
            # the page tells nobody who has an account. Nobody is logged in: the link in the
            # email verifies the address and leads to the login page.
            services.register_or_tell_owner(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                profile_fields=form.profile_fields(),
                hobbies=list(form.cleaned_data["hobbies"]),
                languages=languages.spoken_languages(),
            )
            return redirect("core:registered")
    return render(
        request,
        "core/register.html",
        {"form": form, "languages": languages, "role": role, "notice": section_settings},
    )


def register_choice(request: HttpRequest) -> HttpResponse:
    programme = SectionSettings.load()
    state = programme.registration_state(timezone.localdate())
    if state != SectionSettings.OPEN:
        return _registration_closed(request, state)
    return render(request, "core/register_choice.html")


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    profile = services.verify_email(token)
    if profile is None:
        return render(request, "core/verify_failed.html", status=400)
    messages.success(request, _("Thank you, your email is verified."))
    return redirect("core:account" if request.user.is_authenticated else "accounts:login")


def student_required(view):
    """Only a logged-in student of this section; coordinators have no profile to show."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        profile = _profile_of(request.user)
        if profile is None:
            return redirect("core:home")
        return view(request, profile, *args, **kwargs)

    return wrapper


def registered(request: HttpRequest) -> HttpResponse:
    """The "check your inbox" page, the one after every registration, whatever the address."""
    return render(request, "core/registered.html")


@student_required
def account(request: HttpRequest, profile: Profile) -> HttpResponse:
    return render(
        request,
        "core/account.html",
        {"profile": profile, "panels": selectors.account_panels(request, profile)},
    )


@student_required
def edit_profile(request: HttpRequest, profile: Profile) -> HttpResponse:
    user = request.user
    initial = {"first_name": user.first_name, "last_name": user.last_name}
    current_languages = [
        {"language": spoken.language, "level": spoken.level} for spoken in profile.languages.all()
    ]
    form = ProfileForm(request.POST or None, instance=profile, role=profile.role, initial=initial)
    languages = SpokenLanguageFormSet(
        request.POST or None, prefix="languages", initial=current_languages
    )
    if request.method == "POST" and form.is_valid() and languages.is_valid():
        services.update_profile(
            # the form changed its instance in place while validating: start again from the row
            Profile.objects.get(pk=profile.pk),
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            profile_fields=form.profile_fields(),
            hobbies=list(form.cleaned_data["hobbies"]),
            languages=languages.spoken_languages(),
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("core:account")
    return render(request, "core/edit_profile.html", {"form": form, "languages": languages})


@require_POST
@student_required
def resend_verification(request: HttpRequest, profile: Profile) -> HttpResponse:
    if attempts_exceeded(request, "resend-verification", RESENDS_PER_HOUR, 3600):
        return render(request, "core/too_many_attempts.html", status=429)
    try:
        services.resend_verification(profile)
    except services.TooManyResends:
        messages.error(
            request,
            _(
                "We already sent you several links today. Please look in your inbox and spam "
                "folder, or ask again tomorrow."
            ),
        )
    else:
        messages.success(request, _("We sent you a new link. Check your inbox."))
    return redirect("core:account")


@student_required
def withdraw(request: HttpRequest, profile: Profile) -> HttpResponse:
    """A page says what leaving does (the pair ends, the buddy is told); its POST leaves."""
    if request.method != "POST":
        return render(request, "core/withdraw.html")
    services.withdraw(profile)
    messages.success(request, _("You left the buddy programme. You can come back any time."))
    return redirect("core:account")


@require_POST
@student_required
def rejoin(request: HttpRequest, profile: Profile) -> HttpResponse:
    try:
        services.rejoin(profile)
    except services.NotWithdrawn as refused:
        messages.error(request, refused.message)
    else:
        messages.success(request, _("Welcome back: you are in the buddy programme again."))
    return redirect("core:account")


@student_required
def export_data(request: HttpRequest, profile: Profile) -> HttpResponse:
    services.record_export(request.user)
    body = json.dumps(selectors.personal_data(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"buddysystem-{request.section.slug}-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@student_required
def delete_account(request: HttpRequest, profile: Profile) -> HttpResponse:
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.erase_student(user, action=AuditEvent.Action.ACCOUNT_DELETED)
        messages.success(request, _("Your account and profile are deleted."))
        return redirect("core:home")
    return render(request, "core/delete_account.html", {"form": form})


def _profile_of(user) -> Profile | None:
    if not user.is_authenticated:
        return None
    return Profile.objects.filter(user=user).select_related("user").first()
