"""Buddies choose: the requests a buddy sees (only what the section shows, only what the hard
rules allow, best fits first), taking one (the pair, the emails, the audit, the pick limit, two
buddies at once), the coordinator's undo, and switching modes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from choosing_helpers import buddy, incoming_student, set_policy
from clients import section_client
from core.models import AuditEvent, Profile
from factories import HobbyFactory, PairFactory, ProfileFactory
from matching.choosing import selectors
from matching.choosing.services import CannotTake, take_request
from matching.models import ForbiddenPair, MatchingPolicy, Pair, PinnedPair, RequestField

pytestmark = pytest.mark.django_db

ALL_FIELDS = list(RequestField.values)


# --- what a request shows ------------------------------------------------------------------

# What a card shows of the student above for each field, and what must never show.
SHOWN_AS = {
    RequestField.FIRST_NAME: ["Ingrid"],
    RequestField.NATIONALITY: ["Norway"],
    RequestField.LANGUAGES: ["Norwegian"],
    RequestField.PLACE_OF_STUDY: ["Marine Biology"],
    RequestField.ARRIVAL_MONTH: [],  # checked with the month's name below
    RequestField.HOBBIES: ["Climbing"],
    RequestField.NOTE: ["local cheese"],
    RequestField.GENDER: ["Non-binary"],
}
NEVER = [
    "Surnameson",
    "ingrid.private",
    "example.org",
    "Bergen",
    "Private words",
    "+47",
    "@ingrid",
    "2001",
    "years apart",
]


@pytest.mark.parametrize("field", ALL_FIELDS)
def test_a_request_shows_only_the_one_field_the_section_allows(field, lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[field])
        incoming_student()
        me = buddy()
    page = section_client(lille, me.user).get("/requests/").content.decode()
    assert "Take this request" in page
    for other, texts in SHOWN_AS.items():
        for text in texts:
            assert (text in page) == (other == field), (field, text)
    with in_section(lille):
        arrival = Profile.objects.get(user__last_name="Surnameson").arrival_date
    month = arrival.strftime("%B")
    assert (month in page) == (field == RequestField.ARRIVAL_MONTH)
    for text in NEVER:
        assert text not in page, text


def test_by_default_everything_but_gender_shows_and_still_no_private_field(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=MatchingPolicy().request_fields)
        incoming_student()
        me = buddy()
    page = section_client(lille, me.user).get("/requests/").content.decode()
    for field, texts in SHOWN_AS.items():
        for text in texts:
            assert (text in page) == (field != RequestField.GENDER), text
    for text in NEVER:
        assert text not in page, text
    # the reasons speak of what is shown (a shared language, the arrival), to the buddy
    assert "both speak English" in page and "arrives while you are available" in page


def test_reasons_speak_only_of_what_is_shown(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        incoming_student()
        me = buddy()
    page = section_client(lille, me.user).get("/requests/").content.decode()
    assert "Ingrid" in page
    for words in ("both speak", "shared hobb", "same place", "arrives", "nationalit"):
        assert words not in page, words


# --- the hard rules and the order ----------------------------------------------------------


def test_the_hard_rules_leave_out_the_requests_a_buddy_may_not_take(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME], nationality_quota=1)
        me = buddy(gender="man", preferred_buddy_gender="same", capacity=3, user__first_name="Me")
        shown = incoming_student(user__first_name="Shown", gender="man")
        incoming_student(user__first_name="Nolanguage", gender="man", languages=["de"])
        incoming_student(user__first_name="Womanasked", gender="woman")
        incoming_student(
            user__first_name="Toolate",
            gender="man",
            arrival_date=me.available_until + timedelta(days=5),
            departure_date=me.available_until + timedelta(days=90),
        )
        forbidden = incoming_student(user__first_name="Forbidden", gender="man")
        ForbiddenPair.objects.create(incoming=forbidden, buddy=me)
        pinned = incoming_student(user__first_name="Pinnedelsewhere", gender="man")
        PinnedPair.objects.create(incoming=pinned, buddy=buddy(gender="man"))
        incoming_student(user__first_name="Unverified", gender="man", email_verified_at=None)
        incoming_student(user__first_name="Paired", gender="man")
        PairFactory(incoming=Profile.objects.get(user__first_name="Paired"))
        # the quota: one Italian already with me, so no second one
        PairFactory(buddy=me, incoming=incoming_student(user__first_name="Had", nationality="IT"))
        incoming_student(user__first_name="Secondital", gender="man", nationality="IT")
        found = selectors.requests_for(me)
    assert [card.first_name for card in found.cards] == ["Shown"]
    assert found.cards[0].id == shown.pk
    page = section_client(lille, me.user).get("/requests/").content.decode()
    assert "Shown" in page and "Forbidden" not in page and "Womanasked" not in page


def test_best_fits_first_with_their_score(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME, RequestField.HOBBIES])
        chess = HobbyFactory(name="Chess")
        me = buddy()
        me.hobbies.set([chess])
        incoming_student(user__first_name="Plain", hobbies=[])
        incoming_student(user__first_name="Chessplayer", hobbies=[chess])
        cards = selectors.requests_for(me).cards
    assert [card.first_name for card in cards] == ["Chessplayer", "Plain"]
    assert cards[0].fit > cards[1].fit
    assert "1 shared hobby (Chess)" in cards[0].reasons


def test_a_full_buddy_an_incoming_student_and_other_modes_see_no_requests(lille, in_section):
    with in_section(lille):
        set_policy()
        incoming_student()
        full = buddy(capacity=1)
        PairFactory(buddy=full)
        other = buddy()
        student = ProfileFactory()
    assert "no free place left" in section_client(lille, full.user).get("/requests/").text
    page = section_client(lille, student.user).get("/requests/")
    assert page.status_code == 200 and "Requests are for local buddies" in page.text
    assert "Ingrid" not in page.text
    for mode in ("coordinator", "buddies_accept"):
        with in_section(lille):
            set_policy(matching_mode=mode)
        page = section_client(lille, other.user).get("/requests/")
        assert page.status_code == 200
        assert "the coordinators make the pairs" in page.text and "Ingrid" not in page.text
        assert "See the requests" not in section_client(lille, other.user).get("/account/").text
    with in_section(lille):
        set_policy()
    assert "See the requests" in section_client(lille, other.user).get("/account/").text
    assert "See the requests" not in section_client(lille, student.user).get("/account/").text


def test_requests_are_paginated_and_a_bad_page_number_is_the_first_page(lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        me = buddy()
        for k in range(selectors.PAGE_SIZE + 3):
            incoming_student(user__first_name=f"Student{k:02d}")
    client = section_client(lille, me.user)
    first = client.get("/requests/")
    assert first.text.count("Take this request") == selectors.PAGE_SIZE
    assert "Page 1 of 2" in first.text
    assert client.get("/requests/?page=2").text.count("Take this request") == 3
    assert client.get("/requests/?page=abc").status_code == 200


def test_the_requests_page_costs_the_same_queries_for_3_or_30_waiting_students(lille, in_section):
    with in_section(lille):
        set_policy()
        me = buddy()
        PairFactory(buddy=me)  # experience and the nationality quota read pairs
    client = section_client(lille, me.user)
    counts = []
    for total in (3, 30):
        with in_section(lille):
            while selectors.requests_for(me).page.paginator.count < total:
                incoming_student(hobbies=[HobbyFactory(name="Climbing"), HobbyFactory()])
        client.get("/requests/")  # warm: the session, the section's settings
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/requests/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- taking one ----------------------------------------------------------------------------


def test_taking_a_request_makes_the_pair_emails_both_and_is_audited(
    lille, in_section, django_capture_on_commit_callbacks
):
    with in_section(lille):
        set_policy()
        student = incoming_student(user__email="ingrid.private@example.org")
        me = buddy(user__first_name="Bertrand", user__email="bertrand@example.org")
    client = section_client(lille, me.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/requests/{student.pk}/take/", follow=True)
    assert "you are this student&#x27;s buddy" in response.text
    assert "ingrid.private@example.org" in response.text  # now disclosed, on the account
    with in_section(lille):
        pair = Pair.objects.get()
        assert (pair.incoming, pair.buddy, pair.origin) == (student, me, "buddy_choice")
        assert pair.confirmed_by == me.user
        event = AuditEvent.objects.get(action="request_taken")
        assert event.actor == me.user and event.details == {"pair": pair.pk}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bertrand@example.org",
        "ingrid.private@example.org",
    ]
    # no longer a request for anyone
    with in_section(lille):
        assert selectors.requests_for(buddy()).cards == []


def test_a_request_the_rules_do_not_allow_cannot_be_taken_by_its_id(lille, in_section):
    with in_section(lille):
        set_policy()
        me = buddy()
        nolanguage = incoming_student(languages=["de"])
        forbidden = incoming_student()
        ForbiddenPair.objects.create(incoming=forbidden, buddy=me)
        for student in (nolanguage, forbidden):
            with pytest.raises(CannotTake) as refused:
                take_request(me.user, student.pk)
            assert refused.value.reason == CannotTake.GONE
        assert not Pair.objects.exists()
    response = section_client(lille, me.user).post(f"/requests/{forbidden.pk}/take/", follow=True)
    assert "no longer open to you" in response.text


def test_no_take_in_another_mode_or_for_an_incoming_student(lille, in_section):
    with in_section(lille):
        set_policy(matching_mode="coordinator")
        me = buddy()
        student = incoming_student()
        with pytest.raises(CannotTake) as refused:
            take_request(me.user, student.pk)
        assert refused.value.reason == CannotTake.CLOSED
        set_policy()
        with pytest.raises(CannotTake) as refused:
            take_request(ProfileFactory().user, student.pk)
        assert refused.value.reason == CannotTake.NOT_A_BUDDY
        assert not Pair.objects.exists()
    assert section_client(lille, me.user).post("/requests/999999/take/").status_code == 404


def test_the_pick_limit_refuses_with_a_message_and_counts_ended_pairs(lille, in_section):
    with in_section(lille):
        set_policy(pick_limit=2, pick_period_days=30)
        me = buddy(capacity=5)
        first, second, third = (incoming_student() for _ in range(3))
        take_request(me.user, first.pk)
        pair = take_request(me.user, second.pk)
        from matching.pairs import end_pair

        end_pair(None, pair, Pair.EndReason.COORDINATOR)  # taking and dropping does not help
        with pytest.raises(CannotTake) as refused:
            take_request(me.user, third.pk)
        assert refused.value.reason == CannotTake.LIMIT
    client = section_client(lille, me.user)
    response = client.post(f"/requests/{third.pk}/take/", follow=True)
    assert "You have taken 2 requests in 30 days, the most your section allows" in response.text
    assert "Take this request" not in client.get("/requests/").text
    with in_section(lille):
        # a pick older than the period no longer counts
        Pair.objects.filter(buddy=me).update(confirmed_at=timezone.now() - timedelta(days=31))
        assert take_request(me.user, third.pk).incoming == third


# --- coordinators --------------------------------------------------------------------------


def test_coordinators_see_the_origin_and_undo_a_buddy_s_pick(coordinator, lille, in_section):
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        student = incoming_student()
        me = buddy()
        pair = take_request(me.user, student.pk)
        PairFactory(origin=Pair.Origin.RUN, incoming=ProfileFactory(user__last_name="Runpaired"))
    page = coordinator.get("/coordinator/matching/pairs/").text
    assert "<td>Chosen by the buddy</td>" in page and "<td>Proposed by the algorithm</td>" in page
    only = coordinator.get("/coordinator/matching/pairs/?origin=buddy_choice").text
    assert "Surnameson" in only and "Runpaired" not in only
    response = coordinator.post(f"/coordinator/matching/pairs/{pair.pk}/end/", {"reason": "oops"})
    assert response.status_code == 302
    with in_section(lille):
        assert Pair.objects.get(pk=pair.pk).ended_at is not None
        other = buddy()
    # the student is a request again, for another buddy (and for this one: a coordinator
    # who wants to keep them apart forbids the pair)
    assert "Ingrid" in section_client(lille, other.user).get("/requests/").text


def test_switching_modes_keeps_every_pair(coordinator, lille, in_section):
    with in_section(lille):
        set_policy(matching_mode="coordinator")
        pairs = [PairFactory(origin=origin) for origin in Pair.Origin.values]
        before = sorted(Pair.objects.values_list("pk", "incoming", "buddy", "ended_at", "origin"))
    form = coordinator.get("/coordinator/matching/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    for mode in ("buddies_choose", "buddies_accept", "coordinator", "buddies_choose"):
        data["matching_mode"] = mode
        response = coordinator.post("/coordinator/matching/settings/", data)
        assert response.status_code == 302, response.context["form"].errors
        with in_section(lille):
            assert MatchingPolicy.load().matching_mode == mode
            after = Pair.objects.values_list("pk", "incoming", "buddy", "ended_at", "origin")
            assert sorted(after) == before
    assert len(pairs) == 4
    with in_section(lille):
        assert AuditEvent.objects.filter(action="matching_mode_changed").count() == 4


def test_the_settings_page_saves_what_requests_show_and_the_limit(
    coordinator, coordinator_user, lille, in_section
):
    page = coordinator.get("/coordinator/matching/settings/")
    assert "Who makes the pairs" in page.text and "never their email, surname or age" in page.text
    data = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    data |= {"request_fields": ["gender", "first_name"], "pick_limit": 3, "pick_period_days": 7}
    assert coordinator.post("/coordinator/matching/settings/", data).status_code == 302
    with in_section(lille):
        policy = MatchingPolicy.load()
        assert policy.request_fields == ["first_name", "gender"]
        assert (policy.pick_limit, policy.pick_period_days) == (3, 7)
    bad = coordinator.post(
        "/coordinator/matching/settings/",
        data | {"request_fields": ["email"], "pick_limit": 0, "pick_period_days": "x"},
    )
    assert bad.status_code == 200
    assert set(bad.context["form"].errors) == {"request_fields", "pick_limit", "pick_period_days"}
    french = section_client(lille, coordinator_user, language="fr")
    assert "Qui forme les paires" in french.get("/coordinator/matching/settings/").text


def test_a_profile_edit_shows_at_once_though_the_engine_profiles_are_kept(lille, in_section):
    """The engine profiles of waiting students are kept between pages (by the time the row was
    saved): a student who changes their languages is ranked as they are now."""
    from core.services import SpokenLanguage, update_profile

    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        me = buddy()
        student = incoming_student(user__first_name="Changing")
        assert [card.first_name for card in selectors.requests_for(me).cards] == ["Changing"]
        update_profile(
            Profile.objects.get(pk=student.pk),
            first_name="Changing",
            last_name="Surnameson",
            profile_fields={},
            hobbies=[],
            languages=[SpokenLanguage("de", "fluent")],
        )
        assert selectors.requests_for(me).cards == []


def test_kept_engine_profiles_are_read_again_past_their_age(lille, in_section, monkeypatch):
    from matching import selectors as matching_selectors

    cache = matching_selectors._incoming_cache
    with in_section(lille):
        set_policy(request_fields=[RequestField.FIRST_NAME])
        me = buddy()
        incoming_student(user__first_name="Kept")
        selectors.requests_for(me)
        kept = [key for key in cache._kept if key[0] == "lille"]
        assert kept
        clock = matching_selectors.time.monotonic() + cache.max_age + 61
        monkeypatch.setattr(matching_selectors.time, "monotonic", lambda: clock)
        ProfileFactory(buddy=True)  # any page sweeps what is past its age
        selectors.requests_for(buddy())
        assert all(cache._kept[key][1] == clock for key in kept if key in cache._kept)
