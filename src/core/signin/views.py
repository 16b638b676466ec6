"""The section host's side of external sign-in: redeeming the root domain's code, then
signing in, linking or registering; ESN board members' coordinator requests; the settings."""

from axes.exceptions import AxesBackendPermissionDenied
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.accounts.models import User
from core.forms import SpokenLanguageFormSet
from core.ids import parse_id
from core.models import SectionSettings
from core.permissions import coordinator_required
from core.services import EmailTaken
from core.signin import selectors, services
from core.signin.failures import failure_page
from core.signin.forms import ConfirmPasswordForm, ExternalRegistrationForm, SigninSettingsForm
from core.signin.models import CoordinatorRequest, PendingSignin, Provider, SigninSettings
from core.signin.providers import SigninFailed
from core.signin.tokens import read_link
from core.throttling import attempts_exceeded

PENDING = "signin:pending"  # the session key of the claimed sign-in this browser goes on with
OFFER = "signin:offer"  # the ESN roles of a board member who may ask to coordinate
BACKEND = "django.contrib.auth.backends.ModelBackend"
LINK_EMAILS_PER_HOUR = 5


def complete(request: HttpRequest) -> HttpResponse:
    """The root domain sends the person here with a one-time code of this section."""
    try:
        pending = services.claim_handoff(request.GET.get("code", ""))
        return _go_on(request, pending)
    except SigninFailed as failed:
        return failure_page(request, failed.reason)


def _go_on(request: HttpRequest, pending: PendingSignin) -> HttpResponse:
    if pending.provider not in selectors.offered_providers():
        raise SigninFailed("disabled")  # switched off while the person was at the provider
    identity = services.identity_for(pending)
    if request.user.is_authenticated:  # linking a provider to the account one is logged in to
        if identity is None:
            services.link(request.user, pending)
        elif identity.user_id != request.user.pk:
            raise SigninFailed("linked")
        messages.success(request, _("Your %(provider)s account is linked.") % _provider(pending))
        return _after_sign_in(request, request.user, pending)
    if identity is not None:
        if not identity.user.is_active:
            raise SigninFailed("inactive")
        services.signed_in(identity, pending)
        return _log_in(request, identity.user, pending)
    request.session[PENDING] = pending.pk
    if User.objects.filter(email=pending.email).exists():
        return redirect("signin:link")
    return redirect("signin:register")


def _log_in(request: HttpRequest, user: User, pending: PendingSignin) -> HttpResponse:
    login(request, user, backend=BACKEND)
    return _after_sign_in(request, user, pending)


def _after_sign_in(request: HttpRequest, user: User, pending: PendingSignin) -> HttpResponse:
    request.session.pop(PENDING, None)
    if (
        pending.provider == Provider.ESN
        and not user.is_coordinator
        and selectors.is_board_member(pending.esn_section_code, pending.esn_roles)
        and not selectors.open_coordinator_requests().filter(user=user).exists()
    ):
        request.session[OFFER] = list(pending.esn_roles)
        return redirect("signin:offer")
    return redirect(pending.next_path)


def _pending(request: HttpRequest) -> PendingSignin:
    pending = services.pending_signin(request.session.get(PENDING))
    if pending is None:
        raise SigninFailed("expired")
    return pending


def _provider(pending: PendingSignin) -> dict:
    return {"provider": pending.get_provider_display()}


def link(request: HttpRequest) -> HttpResponse:
    """An account here has the provider's email: its owner proves it is theirs with their
    password, or with a link sent to that address."""
    try:
        pending = _pending(request)
        user = User.objects.filter(email=pending.email, is_active=True).first()
        if user is None:
            raise SigninFailed("inactive")
        form = ConfirmPasswordForm(request.POST or None)
        if request.method == "POST" and "send_link" in request.POST:
            if attempts_exceeded(request, "signin-link", LINK_EMAILS_PER_HOUR, 3600):
                return render(request, "core/too_many_attempts.html", status=429)
            services.email_link(user, pending)
            return render(request, "signin/link_sent.html", _provider(pending))
        if request.method == "POST" and form.is_valid():
            try:
                proved = authenticate(
                    request, username=user.email, password=form.cleaned_data["password"]
                )
            except AxesBackendPermissionDenied:
                return render(request, "accounts/locked_out.html", status=429)
            if proved is not None and proved.pk == user.pk:
                services.link(user, pending)
                messages.success(
                    request, _("Your %(provider)s account is linked.") % _provider(pending)
                )
                return _log_in(request, user, pending)
            form.add_error("password", _("This is not your password."))
        return render(request, "signin/link.html", {"form": form, **_provider(pending)})
    except SigninFailed as failed:
        return failure_page(request, failed.reason)


def link_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. It links only in the browser that signed in with the provider, so
    that the link alone (forwarded, opened by a mail scanner) logs nobody in; GET shows a
    button (or says to open it there), POST links."""
    try:
        user_id, pending_id = read_link(token)
        waiting = PendingSignin.objects.filter(pk=pending_id).first()
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if waiting is None or user is None or user.email != waiting.email:
            raise SigninFailed("expired")
        pending = services.pending_signin(request.session.get(PENDING))
        here = pending is not None and pending.pk == pending_id
        if request.method == "POST":
            if not here:
                raise SigninFailed("state")
            services.link(user, pending)
            messages.success(
                request, _("Your %(provider)s account is linked.") % _provider(pending)
            )
            return _log_in(request, user, pending)
        return render(request, "signin/link_confirm.html", {"here": here, **_provider(waiting)})
    except SigninFailed as failed:
        return failure_page(request, failed.reason)


def register(request: HttpRequest) -> HttpResponse:
    """Registration with the provider's name and verified email filled in."""
    try:
        pending = _pending(request)
    except SigninFailed as failed:
        return failure_page(request, failed.reason)
    if not SectionSettings.load().accepts_registrations(timezone.localdate()):
        return render(request, "core/registration_closed.html", status=403)
    form = ExternalRegistrationForm(
        request.POST or None, pending=pending, initial={"language": request.LANGUAGE_CODE}
    )
    languages = SpokenLanguageFormSet(request.POST or None, prefix="languages")
    if request.method == "POST" and form.is_valid() and languages.is_valid():
        try:
            profile = services.register(
                pending,
                password=form.cleaned_data["password"] or None,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                profile_fields=form.profile_fields(),
                hobbies=list(form.cleaned_data["hobbies"]),
                languages=languages.spoken_languages(),
            )
        except EmailTaken:  # an account with this email committed meanwhile: link to it
            return redirect("signin:link")
        except SigninFailed as failed:
            return failure_page(request, failed.reason)
        messages.success(
            request, _("Welcome! Your profile is complete: we now look for your buddy.")
        )
        return _log_in(request, profile.user, pending)
    board_member = pending.provider == Provider.ESN and selectors.is_board_member(
        pending.esn_section_code, pending.esn_roles
    )
    return render(
        request,
        "signin/register.html",
        {
            "form": form,
            "languages": languages,
            "board_member": board_member,
            **_provider(pending),
        },
    )


def offer(request: HttpRequest) -> HttpResponse:
    """An ESN board member of this section may ask for the coordinator role: signed in (the
    roles their sign-in showed are in the session), or from the registration page instead
    of registering as a buddy."""
    pending = None
    if request.user.is_authenticated and request.user.is_coordinator:
        return redirect("coordinator:dashboard")
    if request.user.is_authenticated:
        roles = request.session.get(OFFER)
    else:
        pending = services.pending_signin(request.session.get(PENDING))
        eligible = pending is not None and pending.provider == Provider.ESN
        roles = (
            pending.esn_roles
            if eligible and selectors.is_board_member(pending.esn_section_code, pending.esn_roles)
            else None
        )
    if not isinstance(roles, list):
        return failure_page(request, "expired")
    if request.method == "POST":
        if pending is not None:
            try:
                user = services.register_coordinator_candidate(pending)
            except SigninFailed as failed:
                return failure_page(request, failed.reason)
            login(request, user, backend=BACKEND)
            request.session.pop(PENDING, None)
        else:
            services.ask_coordinator_role(request.user, roles)
            request.session.pop(OFFER, None)
        return render(request, "signin/offer_sent.html")
    return render(request, "signin/offer.html", {"signed_in": request.user.is_authenticated})


@coordinator_required
def coordinator_requests(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request_id = parse_id(request.POST.get("request"))
        try:
            decided = services.decide_coordinator_request(
                request.user, request_id or 0, confirm="confirm" in request.POST
            )
        except CoordinatorRequest.DoesNotExist:
            messages.error(request, _("This request was already decided."))
        else:
            messages.success(
                request,
                _("%(name)s is now a coordinator.") % {"name": decided.user}
                if decided.status == CoordinatorRequest.Status.CONFIRMED
                else _("The request is declined."),
            )
        return redirect("signin:coordinator_requests")
    return render(
        request,
        "signin/coordinator_requests.html",
        {"requests": selectors.open_coordinator_requests()},
    )


@require_POST
@coordinator_required
def update_settings(request: HttpRequest) -> HttpResponse:
    form = SigninSettingsForm(request.POST, instance=SigninSettings.load())
    if form.is_valid():
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, _("Sign-in methods saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("coordinator:settings")
