"""Events and messages: the coordinator's pages, the students' events, the public feed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.events import ical, segments, selectors, services, unsubscribe
from core.events.forms import EventForm, MessageForm, initial_from_query
from core.events.models import Event, Message, MessageDelivery
from core.models import Profile
from core.outbox.emails import section_link
from core.permissions import coordinator_required
from core.views import student_required

DELIVERIES_PER_PAGE = 100
ATTENDEES_PER_PAGE = 50

# --- coordinator: events ----------------------------------------------------------------


@coordinator_required
def coordinator_events(request: HttpRequest) -> HttpResponse:
    coming, past = selectors.coordinator_events()
    return render(request, "events/coordinator_events.html", {"coming": coming, "past": past})


@coordinator_required
def new_event(request: HttpRequest) -> HttpResponse:
    form = EventForm(request.POST or None, own_language=request.section.default_language)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(request.user, form.cleaned_data)
        messages.success(request, _("The event is saved."))
        return redirect("events:event", event_id=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


@coordinator_required
def edit_event(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=event_id)
    form = EventForm(
        request.POST or None, instance=event, own_language=request.section.default_language
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(event.pk, form.cleaned_data)
        except services.CapacityBelowRegistrations as error:
            form.add_error(
                "capacity",
                ngettext(
                    "%(count)d student is already registered: keep at least that many places.",
                    "%(count)d students are already registered: keep at least that many places.",
                    error.registered,
                )
                % {"count": error.registered},
            )
        else:
            messages.success(request, _("The event is saved."))
            return redirect("events:event", event_id=event.pk)
    # The form changed its instance while validating: show the saved event's title.
    saved = Event.objects.get(pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": saved})


@coordinator_required
def event_detail(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(selectors.with_counts(Event.objects.all()), pk=event_id)
    return render(
        request,
        "events/event_detail.html",
        {
            "event": event,
            "attendees": Paginator(selectors.attendees(event), ATTENDEES_PER_PAGE).get_page(
                request.GET.get("page")
            ),
        },
    )


@coordinator_required
def export_attendees(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(Event, pk=event_id)
    body = services.export_attendees(event, request.user)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"event-{event.pk}-attendees-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- students: events -------------------------------------------------------------------


@student_required
def student_events(request: HttpRequest, profile: Profile) -> HttpResponse:
    return render(
        request,
        "events/student_events.html",
        {"rows": selectors.student_event_list(profile), "profile": profile, "now": timezone.now()},
    )


def _student_event(profile: Profile, event_id: int) -> Event:
    """An event the student may see; others do not exist for them."""
    event = selectors.events_for_student(profile).filter(pk=event_id).first()
    if event is None:
        raise Http404
    return event


@require_POST
@student_required
def register(request: HttpRequest, profile: Profile, event_id: int) -> HttpResponse:
    event = _student_event(profile, event_id)
    try:
        registration = services.register_for_event(event.pk, profile)
    except services.EventClosed as error:
        messages.error(request, str(error))
    else:
        if registration.status == registration.Status.REGISTERED:
            messages.success(request, _("You are registered for %(title)s.") % {"title": event})
        else:
            messages.info(
                request,
                _(
                    "%(title)s is full: you are on the waiting list. You get an email if a place "
                    "becomes free."
                )
                % {"title": event},
            )
    return redirect("events:student_events")


@require_POST
@student_required
def cancel(request: HttpRequest, profile: Profile, event_id: int) -> HttpResponse:
    event = _student_event(profile, event_id)
    try:
        services.cancel_registration(event.pk, profile)
    except services.EventClosed as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("You are no longer registered for %(title)s.") % {"title": event}
        )
    return redirect("events:student_events")


def calendar(request: HttpRequest) -> HttpResponse:
    """The section's published events to come, for calendar apps (no login: nothing private)."""
    section = request.section
    body = ical.calendar(
        list(selectors.calendar_events()), section, section_link(section, "events:student_events")
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{section.slug}-events.ics"'
    return response


# --- coordinator: messages --------------------------------------------------------------


@coordinator_required
def message_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (message, segments.describe(message.segment, message.parameter))
        for message in selectors.messages()[:200]
    ]
    return render(request, "events/messages.html", {"rows": rows})


@coordinator_required
def new_message(request: HttpRequest) -> HttpResponse:
    form = MessageForm(request.POST or None, initial=initial_from_query(request.GET))
    if request.method == "POST" and form.is_valid():
        message = services.save_message(request.user, form.message_fields())
        return redirect("events:message", message_id=message.pk)
    return render(request, "events/message_form.html", {"form": form, "message": None})


@coordinator_required
def edit_message(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    if message.status != Message.Status.DRAFT:
        return redirect("events:message", message_id=message.pk)
    form = MessageForm(request.POST or None, initial=MessageForm.initial_for(message))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_message(request.user, form.message_fields(), message)
        except services.AlreadySent:
            messages.error(request, _("This message is already being sent."))
        return redirect("events:message", message_id=message.pk)
    return render(request, "events/message_form.html", {"form": form, "message": message})


@coordinator_required
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    context = {
        "message": message,
        "segment": segments.describe(message.segment, message.parameter),
    }
    if message.status == Message.Status.DRAFT:
        try:
            context["recipients"] = selectors.count_recipients(
                message.segment, message.parameter, message.essential
            )
        except segments.SegmentError as error:
            context["segment_error"] = str(error)
    else:
        status = request.GET.get("status")
        status = status if status in MessageDelivery.Status.values else None
        page = Paginator(selectors.deliveries(message, status), DELIVERIES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        context |= {"page": page, "status": status, "statuses": MessageDelivery.Status.choices}
    return render(request, "events/message_detail.html", context)


@require_POST
@coordinator_required
def send_message(request: HttpRequest, message_id: int) -> HttpResponse:
    message = get_object_or_404(Message, pk=message_id)
    try:
        services.send_message(message.pk, request.user)
    except services.AlreadySent:
        messages.error(request, _("This message is already being sent."))
    except services.NobodyToMessage:
        messages.error(
            request, _("Nobody in this group can receive the message now: it was not sent.")
        )
    except segments.SegmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The message is being sent."))
    return redirect("events:message", message_id=message.pk)


# --- students: unsubscribe --------------------------------------------------------------


@csrf_exempt  # the signed token is the credential; mail clients POST here (RFC 8058)
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    profile = unsubscribe.profile_for(token)
    if profile is None:
        return render(request, "events/unsubscribe_invalid.html", status=400)
    done = None
    if request.method == "POST":  # "List-Unsubscribe=One-Click" from a mail client, or the page
        if request.POST.get("action") == "resubscribe":
            services.resubscribe(profile)
            done = "resubscribed"
        else:
            services.unsubscribe(profile)
            done = "unsubscribed"
    with translation.override(profile.language):
        return render(
            request,
            "events/unsubscribe.html",
            {"done": done, "unsubscribed": selectors.is_unsubscribed(profile)},
        )
