"""The groups of students a coordinator can message: key -> label, parameter, who is in it.

Every segment holds verified students taking part in the programme only; whether a student
unsubscribed from non-essential messages is decided when the message is sent.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.events.models import Event, EventRegistration
from core.ids import parse_id
from core.models import Profile

MONTH = "month"
EVENT = "event"
_MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")


class SegmentError(ValueError):
    """An unknown segment, or a parameter the segment cannot use; the message says which."""


@dataclass(frozen=True)
class Segment:
    key: str
    label: Promise | str
    build: Callable[..., QuerySet[Profile]]
    # None, MONTH ("YYYY-MM") or EVENT (an event's id)
    parameter: str | None = None
    order: int = 50


def reachable() -> QuerySet[Profile]:
    """Students a message can go to at all: verified and taking part."""
    return Profile.objects.filter(status=Profile.Status.ACTIVE, email_verified_at__isnull=False)


def parse_month(value: str) -> dt.date:
    """The first day of a "YYYY-MM" month."""
    found = _MONTH_FORMAT.match((value or "").strip())
    if not found or not 1 <= int(found[2]) <= 12 or not 2000 <= int(found[1]) <= 2100:
        raise SegmentError(_("Enter a month as YYYY-MM, for example 2026-03."))
    return dt.date(int(found[1]), int(found[2]), 1)


def parse_event(value: str) -> Event:
    event_id = parse_id(value)
    if event_id is None:
        raise SegmentError(_("Choose an event."))
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        raise SegmentError(_("This event does not exist."))
    return event


def _all_incoming() -> QuerySet[Profile]:
    return reachable().filter(role=Profile.Role.INCOMING)


def _all_buddies() -> QuerySet[Profile]:
    # Past and current buddies alike: whoever registered as a local buddy and still takes part.
    return reachable().filter(role=Profile.Role.BUDDY)


def _incoming_arriving(month: str) -> QuerySet[Profile]:
    first = parse_month(month)
    after = (first + dt.timedelta(days=32)).replace(day=1)
    return reachable().filter(
        role=Profile.Role.INCOMING, arrival_date__gte=first, arrival_date__lt=after
    )


def _event_attendees(event_id: str) -> QuerySet[Profile]:
    event = parse_event(event_id)
    registered = EventRegistration.objects.filter(
        event=event, profile=OuterRef("pk"), status=EventRegistration.Status.REGISTERED
    )
    return reachable().filter(Exists(registered))


SEGMENTS: dict[str, Segment] = {}


def register(*segments: Segment) -> None:
    """Apps above core add the groups they know (matching: students without a buddy)."""
    for segment in segments:
        SEGMENTS[segment.key] = segment


register(
    Segment("all_incoming", _("All incoming students"), _all_incoming, order=10),
    Segment("all_buddies", _("All local buddies, past and current"), _all_buddies, order=20),
    Segment(
        "incoming_arriving",
        _("Incoming students arriving in a given month"),
        _incoming_arriving,
        parameter=MONTH,
        order=50,
    ),
    Segment(
        "event_attendees",
        _("Students registered for an event"),
        _event_attendees,
        parameter=EVENT,
        order=60,
    ),
)


def choices() -> list[tuple[str, Promise | str]]:
    ordered = sorted(SEGMENTS.values(), key=lambda segment: segment.order)
    return [(segment.key, segment.label) for segment in ordered]


def get(key: str) -> Segment:
    segment = SEGMENTS.get(key)
    if segment is None:
        raise SegmentError(_("Choose one of the listed groups of students."))
    return segment


def recipients(key: str, parameter: str = "") -> QuerySet[Profile]:
    """The students of a segment; SegmentError when the key or parameter is not usable."""
    segment = get(key)
    if segment.parameter is None:
        return segment.build()
    return segment.build(parameter)


def describe(key: str, parameter: str = "") -> str:
    """The segment in words, with its parameter, for the coordinator's pages."""
    segment = SEGMENTS.get(key)
    if segment is None:
        return key
    if segment.parameter == MONTH and parameter:
        return f"{segment.label}: {parameter}"
    if segment.parameter == EVENT and parameter:
        event_id = parse_id(parameter)
        event = Event.objects.filter(pk=event_id).first() if event_id is not None else None
        return f"{segment.label}: {event or parameter}"
    return str(segment.label)
