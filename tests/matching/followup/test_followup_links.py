"""The signed links of the follow-up emails: one click answers, for that student only."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail, signing
from django.test import Client, override_settings

from core.models import AuditEvent
from core.signing import make_link_token
from matching.followup import selectors, services, tokens
from matching.followup.models import CheckIn, SurveyResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(lille, in_section, django_capture_on_commit_callbacks):
    """`sent()`: the follow-ups due in lille are written and committed; their emails go out."""

    def send() -> None:
        with in_section(lille), django_capture_on_commit_callbacks(execute=True):
            services.send_due_follow_ups()

    return send


@pytest.fixture
def asked(make_pair, sent):
    """Two pairs whose check-ins were sent."""
    first, second = make_pair(), make_pair()
    sent()
    assert len(mail.outbox) == 4
    mail.outbox.clear()
    return first, second


@pytest.fixture
def surveyed(make_pair, sent):
    """Two pairs whose students got the end-of-stay survey."""
    first = make_pair(confirmed=150, arrived=140, departs=-1)
    second = make_pair(confirmed=150, arrived=140, departs=-1)
    sent()
    assert len(mail.outbox) == 4
    mail.outbox.clear()
    return first, second


def checkin_url(lille, in_section, pair, profile, answer) -> str:
    with in_section(lille):
        return f"/checkin/{tokens.checkin_token(pair.pk, profile.pk, answer)}/"


def survey_url(lille, in_section, pair, profile) -> str:
    with in_section(lille):
        return f"/survey/{tokens.survey_token(pair.pk, profile.pk)}/"


def answers(lille, in_section) -> dict:
    with in_section(lille):
        return {(c.pair_id, c.profile_id): c.answer for c in CheckIn.objects.all()}


# --- check-ins -------------------------------------------------------------------------------
def test_the_emailed_link_opens_a_page_whose_button_answers(asked, anonymous, lille, in_section):
    first, _second = asked
    url = checkin_url(lille, in_section, first, first.incoming, "met")
    page = anonymous.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "We have met" in text and 'method="post"' in text and "Send this answer" in text
    assert answers(lille, in_section)[first.pk, first.incoming_id] == ""
    thanks = anonymous.post(url)
    assert thanks.status_code == 200
    assert "Thank you for your answer" in thanks.content.decode()
    assert answers(lille, in_section)[first.pk, first.incoming_id] == "met"
    with in_section(lille):
        assert CheckIn.objects.get(pair=first, profile=first.incoming).answered_at is not None


def test_fetching_the_link_records_nothing(asked, anonymous, lille, in_section):
    """A mail scanner opens or HEADs every link of an email: "I need a new buddy" must not be
    recorded for a student who never clicked it."""
    first, _second = asked
    url = checkin_url(lille, in_section, first, first.incoming, "new_buddy")
    assert anonymous.head(url).status_code == 200
    assert anonymous.get(url).status_code == 200
    assert anonymous.options(url).status_code == 200
    assert not any(answers(lille, in_section).values())
    with in_section(lille):
        assert not selectors.pairs_needing_attention().exists()


def test_links_in_the_email_work(make_pair, sent, anonymous, lille, in_section):
    pair = make_pair()
    sent()
    to_buddy = next(m for m in mail.outbox if m.to == [pair.buddy.user.email])
    link = next(
        # the buddy reads French
        line.split(": ", 1)[1]
        for line in to_buddy.body.splitlines()
        if line.startswith("Pas encore")
    )
    assert anonymous.post(link.removeprefix(lille.portal_url)).status_code == 200
    assert answers(lille, in_section)[pair.pk, pair.buddy_id] == "not_yet"


def test_answering_twice_keeps_or_changes_the_answer(asked, anonymous, lille, in_section):
    first, _second = asked
    url = checkin_url(lille, in_section, first, first.buddy, "not_yet")
    assert anonymous.post(url).status_code == 200
    with in_section(lille):
        answered_at = CheckIn.objects.get(pair=first, profile=first.buddy).answered_at
    again = anonymous.post(url)
    assert again.status_code == 200 and "Thank you" in again.content.decode()
    with in_section(lille):
        kept = CheckIn.objects.get(pair=first, profile=first.buddy)
    assert (kept.answer, kept.answered_at) == ("not_yet", answered_at)
    # the thank-you page offers the two other answers
    assert again.content.decode().count('href="/checkin/') == 2
    anonymous.post(checkin_url(lille, in_section, first, first.buddy, "met"))
    assert answers(lille, in_section)[first.pk, first.buddy_id] == "met"


def test_a_link_cannot_be_replayed_for_another_pair_or_student(asked, anonymous, lille, in_section):
    first, second = asked
    url = checkin_url(lille, in_section, first, first.incoming, "new_buddy")
    anonymous.post(url)
    recorded = answers(lille, in_section)
    assert recorded[first.pk, first.incoming_id] == "new_buddy"
    assert [answer for key, answer in recorded.items() if answer] == ["new_buddy"]
    # a token is its own pair and student: a signed token for a student of another pair,
    # or a pair the student is not in, finds no check-in
    for pair, profile in ((second, first.incoming), (first, second.buddy)):
        response = anonymous.post(checkin_url(lille, in_section, pair, profile, "met"))
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    assert answers(lille, in_section) == recorded


def test_forged_and_foreign_links_do_nothing(asked, anonymous, lille, paris, in_section):
    first, _second = asked
    ids = {"p": first.pk, "u": first.incoming_id}
    with in_section(lille):
        genuine = tokens.checkin_token(first.pk, first.incoming_id, "met")
        with override_settings(SECRET_KEY="not-the-secret-but-long-enough-to-sign-with-0123"):
            wrong_key = make_link_token(tokens.CHECKIN, **ids, a="new_buddy")
        forged = [
            genuine[:-3] + ("aaa" if not genuine.endswith("aaa") else "bbb"),  # altered
            wrong_key,
            make_link_token("another-purpose", **ids, a="new_buddy"),
            tokens.survey_token(first.pk, first.incoming_id),  # a survey link
            make_link_token(tokens.CHECKIN, **ids, a="whatever"),
            make_link_token(tokens.CHECKIN, p=str(first.pk), u=first.incoming_id, a="met"),
            make_link_token(tokens.CHECKIN, p=first.pk, a="met"),  # whose answer?
            signing.dumps({**ids, "a": "new_buddy"}),  # no section, no purpose
            "not-a-token",
        ]
    # ids repeat from one section to the next: a lille token means nothing in paris, and a
    # paris token nothing in lille
    with in_section(paris):
        assert tokens.read_checkin_token(genuine) is None
        forged.append(make_link_token(tokens.CHECKIN, **ids, a="new_buddy"))
    with in_section(lille):
        assert tokens.read_checkin_token(genuine) == tokens.Claim(
            first.pk, first.incoming_id, "met"
        )
    for token in forged:
        assert anonymous.get(f"/checkin/{token}/").status_code == 404, token
        assert anonymous.post(f"/checkin/{token}/").status_code == 404, token
    assert not any(answers(lille, in_section).values())
    on_paris = Client(HTTP_HOST=paris.host)
    assert on_paris.post(f"/checkin/{genuine}/").status_code == 404


def test_old_links_expire(asked, anonymous, lille, in_section):
    first, _second = asked
    long_ago = time.time() - (tokens.MAX_AGE + timedelta(days=1)).total_seconds()
    with mock.patch("django.core.signing.time.time", return_value=long_ago):
        url = checkin_url(lille, in_section, first, first.incoming, "met")
    assert anonymous.post(url).status_code == 404
    assert not any(answers(lille, in_section).values())


def test_needing_a_new_buddy_puts_the_pair_on_the_attention_list(
    asked, anonymous, lille, in_section
):
    first, second = asked
    with in_section(lille):
        assert not selectors.pairs_needing_attention().exists()
    anonymous.post(checkin_url(lille, in_section, second, second.buddy, "new_buddy"))
    anonymous.post(checkin_url(lille, in_section, first, first.incoming, "not_yet"))
    with in_section(lille):
        assert list(selectors.pairs_needing_attention()) == [second]
        event = AuditEvent.objects.get(action=services.NEW_BUDDY_ASKED)
        assert event.actor is None and set(event.details) == {"pair", "check_in"}
        # changing one's mind takes the pair off the list
        services.record_checkin_answer(tokens.Claim(second.pk, second.buddy_id, "met"))
        assert not selectors.pairs_needing_attention().exists()


# --- surveys ---------------------------------------------------------------------------------
def test_the_survey_is_answered_once(surveyed, anonymous, lille, in_section):
    first, _second = surveyed
    url = survey_url(lille, in_section, first, first.incoming)
    page = anonymous.get(url).content.decode()
    assert 'name="rating"' in page and 'name="comment"' in page
    response = anonymous.post(url, {"rating": "4", "comment": "Lovely city, kind buddy."})
    assert response.status_code == 302 and response["Location"] == url
    done = anonymous.get(url).content.decode()
    assert "it can be given only once" in done and 'name="rating"' not in done
    again = anonymous.post(url, {"rating": "1", "comment": "changed my mind"})
    assert again.status_code == 200
    with in_section(lille):
        response = SurveyResponse.objects.get(pair=first, profile=first.incoming)
        assert (response.rating, response.comment) == (4, "Lovely city, kind buddy.")
        assert not SurveyResponse.objects.exclude(pk=response.pk).filter(rating__isnull=False)
        # the service itself refuses a second answer
        assert not services.record_survey_answer(response, 2, "again")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"rating": "6"}, "less than or equal to 5"),
        ({"rating": "0"}, "greater than or equal to 1"),
        ({"rating": "five"}, "Enter a whole number"),
        ({"comment": "no rating"}, "This field is required"),
        ({}, "This field is required"),
        ({"rating": "3", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_survey_bad_input_is_a_form_error(data, error, surveyed, anonymous, lille, in_section):
    first, _second = surveyed
    url = survey_url(lille, in_section, first, first.buddy)
    response = anonymous.post(url, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    with in_section(lille):
        assert not SurveyResponse.objects.filter(answered_at__isnull=False).exists()


def test_survey_links_cannot_be_replayed_or_forged(surveyed, anonymous, lille, in_section):
    first, second = surveyed
    with in_section(lille):
        genuine = tokens.survey_token(first.pk, first.buddy_id)
        with override_settings(SECRET_KEY="a-guessed-key-long-enough-to-sign-with-0123456789"):
            guessed = tokens.survey_token(first.pk, first.buddy_id)
        bad = [
            tokens.checkin_token(first.pk, first.buddy_id, "met"),  # a check-in link
            tokens.survey_token(second.pk, first.buddy_id),  # another pair
            guessed,
            genuine.replace(":", ";", 1),
        ]
    for token in bad:
        assert anonymous.get(f"/survey/{token}/").status_code == 404
        assert anonymous.post(f"/survey/{token}/", {"rating": "5"}).status_code == 404
    with in_section(lille):
        assert not SurveyResponse.objects.filter(answered_at__isnull=False).exists()


def test_an_erased_students_rating_stays_without_their_comment(
    surveyed, anonymous, lille, in_section
):
    first, _second = surveyed
    anonymous.post(
        survey_url(lille, in_section, first, first.buddy), {"rating": "5", "comment": "Ana!"}
    )
    with in_section(lille):
        first.buddy.user.delete()
        response = SurveyResponse.objects.get(pair=first, role="buddy")
        assert (response.profile_id, response.rating, response.comment) == (None, 5, "")
