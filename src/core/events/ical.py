"""The section's events as an iCalendar feed (RFC 5545), written by hand: it is small."""

import datetime as dt

from django.utils import timezone

from core.events.models import Event
from tenants.models import Section

CRLF = "\r\n"
MAX_OCTETS = 75


def escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, newlines."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets, never inside a character."""
    parts, current, size = [], "", 0
    for char in line:
        octets = len(char.encode())
        limit = MAX_OCTETS if not parts else MAX_OCTETS - 1  # continuation lines start with " "
        if size + octets > limit:
            parts.append(current)
            current, size = "", 0
        current += char
        size += octets
    parts.append(current)
    return (CRLF + " ").join(parts)


def calendar(events: list[Event], section: Section, link: str) -> str:
    now = timezone.now()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//BuddySystem//Events//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(section.name)}",
    ]
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:event-{event.pk}@{section.host}",
            f"DTSTAMP:{utc(now)}",
            f"LAST-MODIFIED:{utc(event.updated_at)}",
            f"DTSTART:{utc(event.starts_at)}",
        ]
        if event.ends_at:
            lines.append(f"DTEND:{utc(event.ends_at)}")
        lines += [
            f"SUMMARY:{escape(event.title)}",
            f"LOCATION:{escape(event.place)}",
            f"DESCRIPTION:{escape(event.description)}",
            f"URL:{link}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
