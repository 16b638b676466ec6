"""The coordinators' follow-up pages: attention list, handling, survey results per semester."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import AuditEvent
from matching.followup import selectors, services
from matching.followup.models import CheckIn, SurveyResponse
from matching.followup.selectors import AUTUMN, SPRING, Semester
from matching.models import Pair

pytestmark = pytest.mark.django_db


def paris_time(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture
def asking(make_pair, lille, in_section):
    """A pair whose incoming student answered "I need a new buddy", and a quiet pair."""
    pair, quiet = make_pair(), make_pair()
    with in_section(lille):
        services.send_due_follow_ups()
        services.record_checkin_answer(
            services.Claim(pair.pk, pair.incoming_id, CheckIn.Answer.NEW_BUDDY)
        )
    mail.outbox.clear()
    return pair, quiet


def test_a_refused_handling_changes_nothing(anonymous, student_client, asking, lille, in_section):
    pair, _quiet = asking
    url = f"/coordinator/follow-up/{pair.pk}/handled/"
    anonymous.post(url)
    student_client(pair.incoming).post(url)
    with in_section(lille):
        assert list(selectors.pairs_needing_attention()) == [pair]


def test_lilles_pages_show_nothing_of_paris(coordinator, make_pair, paris, in_section):
    paris_pair = make_pair(section=paris)
    with in_section(paris):
        services.send_due_follow_ups()
        services.record_checkin_answer(
            services.Claim(paris_pair.pk, paris_pair.buddy_id, "new_buddy")
        )
        SurveyResponse.objects.create(
            pair=paris_pair,
            role="buddy",
            rating=1,
            comment="Paris only",
            answered_at=timezone.now(),
        )
    page = coordinator.get("/coordinator/follow-up/").content.decode()
    assert paris_pair.incoming.user.last_name not in page
    assert "Nobody is asking for a new buddy" in page
    assert "Paris only" not in coordinator.get("/coordinator/follow-up/surveys/").content.decode()
    with in_section(paris):
        assert list(selectors.pairs_needing_attention()) == [paris_pair]


def test_the_attention_list_and_handling_a_request(
    coordinator, coordinator_user, asking, lille, in_section
):
    pair, quiet = asking
    page = coordinator.get("/coordinator/follow-up/").content.decode()
    assert pair.incoming.user.get_full_name() in page
    assert quiet.incoming.user.get_full_name() not in page
    assert f'href="/coordinator/matching/pairs/{pair.pk}/end/"' in page
    response = coordinator.post(f"/coordinator/follow-up/{pair.pk}/handled/")
    assert response["Location"] == "/coordinator/follow-up/"
    page = coordinator.get("/coordinator/follow-up/").content.decode()
    assert "Nobody is asking for a new buddy" in page
    with in_section(lille):
        assert not selectors.pairs_needing_attention().exists()
        checkin = CheckIn.objects.get(pair=pair, profile=pair.incoming)
        assert checkin.handled_by == coordinator_user
        event = AuditEvent.objects.get(action=services.NEW_BUDDY_HANDLED)
        assert event.actor == coordinator_user and event.details == {"pair": pair.pk, "requests": 1}
    # handling twice changes nothing; a later request puts the pair back on the list
    coordinator.post(f"/coordinator/follow-up/{pair.pk}/handled/")
    with in_section(lille):
        assert AuditEvent.objects.filter(action=services.NEW_BUDDY_HANDLED).count() == 1
        services.record_checkin_answer(services.Claim(pair.pk, pair.buddy_id, "new_buddy"))
        assert list(selectors.pairs_needing_attention()) == [pair]


def test_ending_the_pair_takes_it_off_the_list(coordinator, asking, lille, in_section):
    pair, _quiet = asking
    response = coordinator.post(
        f"/coordinator/matching/pairs/{pair.pk}/end/", {"reason": "needs a new buddy"}
    )
    assert response.status_code == 302
    with in_section(lille):
        assert not selectors.pairs_needing_attention().exists()


def test_the_attention_page_reads_a_constant_number_of_queries(
    coordinator, make_pair, lille, in_section
):
    def ask(count):
        pairs = [make_pair() for _ in range(count)]
        with in_section(lille):
            services.send_due_follow_ups()
            for pair in pairs:
                claim = services.Claim(pair.pk, pair.buddy_id, "new_buddy")
                services.record_checkin_answer(claim)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert coordinator.get("/coordinator/follow-up/").status_code == 200
        return len(captured)

    ask(1)
    queries()  # the first request of a session reads a few things once
    one = queries()
    ask(8)
    assert queries() == one


# --- survey results --------------------------------------------------------------------------
def test_semesters_of_confirmation_dates():
    assert Semester.of(paris_time(2025, 1, 1, 0, 5)) == Semester(2025, SPRING)
    assert Semester.of(paris_time(2025, 7, 31, 23, 59)) == Semester(2025, SPRING)
    assert Semester.of(paris_time(2025, 8, 1, 0, 0)) == Semester(2025, AUTUMN)
    assert Semester.of(paris_time(2025, 12, 31, 23, 59)) == Semester(2025, AUTUMN)
    # 31 July 22:30 UTC is already 1 August in the section's time
    utc_late_july = dt.datetime(2025, 7, 31, 22, 30, tzinfo=dt.UTC)
    assert Semester.of(utc_late_july) == Semester(2025, AUTUMN)
    assert Semester(2025, SPRING).label == "Spring 2025"
    assert Semester(2024, AUTUMN).label == "Autumn 2024"
    assert Semester.from_key("2024-autumn") == Semester(2024, AUTUMN)
    for bad in ("2024", "2024-summer", "abcd-spring", "99999-spring", ""):
        assert Semester.from_key(bad) is None


@pytest.fixture
def results(make_pair, lille, in_section):
    """Surveys of pairs confirmed in spring 2025 and autumn 2025, some answered."""
    confirmed = [
        paris_time(2025, 3, 10, 12),
        dt.datetime(2025, 7, 31, 22, 30, tzinfo=dt.UTC),  # autumn in Paris
        paris_time(2025, 9, 1, 9),
    ]
    answers = [[(5, "Great buddy!"), (3, "")], [(4, "Helpful")], [(2, "Met only once"), None]]
    pairs = []
    with in_section(lille):
        for moment, given in zip(confirmed, answers, strict=True):
            pair = make_pair()
            Pair.objects.filter(pk=pair.pk).update(confirmed_at=moment)
            for profile, answer in zip((pair.incoming, pair.buddy), given, strict=False):
                response = SurveyResponse.objects.create(
                    pair=pair, profile=profile, role=profile.role
                )
                if answer:
                    services.record_survey_answer(response, *answer)
            pairs.append(pair)
    return pairs


def test_results_are_grouped_by_semester(results, lille, in_section):
    with in_section(lille):
        figures = selectors.survey_results()
        assert [(r.semester.label, r.sent, r.answered, r.average) for r in figures] == [
            ("Autumn 2025", 3, 2, 3.0),
            ("Spring 2025", 2, 2, 4.0),
        ]
        comments = selectors.semester_comments(Semester(2025, AUTUMN))
        assert sorted(c.comment for c in comments) == ["Helpful", "Met only once"]


def test_the_results_page_shows_figures_and_comments_without_names(
    results, coordinator, lille, in_section
):
    page = coordinator.get("/coordinator/follow-up/surveys/").content.decode()
    assert "Autumn 2025" in page and "Spring 2025" in page
    assert "Helpful" in page and "Met only once" in page and "Great buddy!" not in page
    spring = coordinator.get("/coordinator/follow-up/surveys/?semester=2025-spring")
    text = spring.content.decode()
    assert "Great buddy!" in text and "Helpful" not in text and "4.0" in text
    for pair in results:
        for profile in (pair.incoming, pair.buddy):
            # as words: a generated name ("Chang") may be part of a word of the page ("Change")
            for name in (profile.user.first_name, profile.user.last_name):
                assert not re.search(rf"\b{re.escape(name)}\b", text), name
            assert profile.user.email not in text
    assert (
        coordinator.get("/coordinator/follow-up/surveys/?semester=2025-summer").status_code == 404
    )
    assert (
        coordinator.get("/coordinator/follow-up/surveys/?semester=2025-spring&page=x").status_code
        == 200
    )


def test_comments_are_paginated(coordinator, make_pair, lille, in_section):
    pair = make_pair()
    with in_section(lille):
        Pair.objects.filter(pk=pair.pk).update(confirmed_at=paris_time(2025, 3, 1))
        SurveyResponse.objects.bulk_create(
            SurveyResponse(
                pair=pair,
                role="buddy",
                rating=4,
                comment=f"comment {n:03}",
                answered_at=timezone.now(),
            )
            for n in range(60)
        )
    first = coordinator.get("/coordinator/follow-up/surveys/").content.decode()
    assert "comment 000" in first and "comment 059" not in first and "Page 1 of 2" in first
    second = coordinator.get("/coordinator/follow-up/surveys/?semester=2025-spring&page=2")
    assert "comment 059" in second.content.decode()


def test_empty_results_page(coordinator):
    page = coordinator.get("/coordinator/follow-up/surveys/").content.decode()
    assert "No survey has been sent yet." in page


def test_the_coordinator_menu_has_the_follow_up(coordinator):
    page = coordinator.get("/coordinator/follow-up/").content.decode()
    assert 'href="/coordinator/follow-up/">Follow-up</a>' in page
