"""The matching policy through the API: read, changed through the settings page's form (its
field errors, under the API's names), reset; audited as on the page."""

import pytest

from core.models import AuditEvent
from matching import actions
from matching.engine.policy import CRITERIA, DEFAULT_HARD, DEFAULT_WEIGHTS, HARD_CONSTRAINTS
from matching.models import MatchingPolicy

pytestmark = pytest.mark.django_db

POLICY = "/api/v1/matching-policy/"
UPDATE = "/api/v1/matching-policy/update/"


def post(client, url: str, body: dict | None = None):
    return client.post(url, body or {}, content_type="application/json")


def test_the_policy_reads_as_the_settings_page_shows_it(coordinator, lille, paris, in_section):
    with in_section(lille):
        MatchingPolicy.objects.update_or_create(
            pk=1,
            defaults={
                "weights": {**DEFAULT_WEIGHTS, "shared_hobbies": 90},
                "hard_constraints": {**DEFAULT_HARD, "same_place_of_study": True},
                "mode": "fair",
                "nationality_quota": 2,
            },
        )
    with in_section(paris):
        MatchingPolicy.objects.update_or_create(pk=1, defaults={"mode": "flow"})
    body = coordinator.get(POLICY).json()
    assert (body["mode"], body["nationality_quota"], body["offer_days"]) == ("fair", 2, 5)
    assert list(body["weights"]) == list(CRITERIA)
    assert body["weights"]["shared_hobbies"] == 90
    assert body["weights"]["shared_languages"] == DEFAULT_WEIGHTS["shared_languages"]
    assert list(body["hard_constraints"]) == list(HARD_CONSTRAINTS)
    assert body["hard_constraints"]["same_place_of_study"] is True


def test_an_update_changes_what_it_sends_and_keeps_the_rest(coordinator, lille, in_section):
    response = post(
        coordinator,
        UPDATE,
        {
            "weights": {"shared_languages": 70, "buddy_experience": 0},
            "hard_constraints": {"gender_preference": False},
            "nationality_quota": 1,
        },
    )
    assert response.status_code == 200, response.content
    with in_section(lille):
        policy = MatchingPolicy.load()
        event = AuditEvent.objects.get(action=actions.POLICY_CHANGED)
    assert policy.weights == {**DEFAULT_WEIGHTS, "shared_languages": 70, "buddy_experience": 0}
    assert policy.hard_constraints == {**DEFAULT_HARD, "gender_preference": False}
    assert (policy.mode, policy.nationality_quota) == ("flow", 1)
    assert event.details["weights"]["shared_languages"] == 70
    assert response.json() == coordinator.get(POLICY).json()
    # no limit again
    assert post(coordinator, UPDATE, {"nationality_quota": None}).status_code == 200
    with in_section(lille):
        assert MatchingPolicy.load().nationality_quota is None


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"weights": {"shared_languages": 101}}, {"weights": {"shared_languages"}}),
        ({"weights": {"age_difference": -1}}, {"weights": {"age_difference"}}),
        ({"weights": {"shared_hobbies": "many"}}, {"weights": {"shared_hobbies"}}),
        ({"hard_constraints": {"common_language": "perhaps"}}, {"hard_constraints": None}),
        ({"mode": "random"}, {"mode": None}),
        ({"nationality_quota": 9}, {"nationality_quota": None}),
        ({"nationality_quota": 0}, {"nationality_quota": None}),
        ({"offer_days": 31}, {"offer_days": None}),
        ({"weights": [1, 2]}, {"weights": None}),
    ],
)
def test_an_invalid_policy_is_a_400_naming_its_fields_and_saves_nothing(
    coordinator, lille, in_section, body, fields
):
    response = post(coordinator, UPDATE, body)
    assert response.status_code == 400, response.content
    errors = response.json()["fields"]
    assert set(errors) == set(fields)
    for name, inner in fields.items():
        if inner is not None:
            assert set(errors[name]) == inner
    with in_section(lille):
        assert not AuditEvent.objects.filter(action=actions.POLICY_CHANGED).exists()
        assert MatchingPolicy.load().weights == dict(DEFAULT_WEIGHTS)


def test_the_forms_messages_say_what_is_allowed(coordinator):
    errors = post(coordinator, UPDATE, {"weights": {"shared_languages": 101}}).json()["fields"]
    assert errors == {
        "weights": {"shared_languages": ["Ensure this value is less than or equal to 100."]}
    }


def test_reset_puts_the_defaults_back(coordinator, lille, in_section):
    post(coordinator, UPDATE, {"weights": {"shared_languages": 1}, "mode": "fair"})
    response = post(coordinator, "/api/v1/matching-policy/reset/")
    assert response.status_code == 200
    assert response.json()["weights"] == dict(DEFAULT_WEIGHTS)
    assert response.json()["mode"] == "flow"
    with in_section(lille):
        assert MatchingPolicy.load().weights == dict(DEFAULT_WEIGHTS)
        assert AuditEvent.objects.filter(action=actions.POLICY_CHANGED).count() == 2


def test_the_matching_mode_and_what_requests_show_are_read_and_changed(
    coordinator, lille, in_section
):
    body = coordinator.get(POLICY).json()
    assert body["matching_mode"] == "coordinator"
    assert "gender" not in body["request_fields"] and "first_name" in body["request_fields"]
    changed = post(
        coordinator,
        UPDATE,
        {
            "matching_mode": "buddies_choose",
            "request_fields": ["first_name", "languages"],
            "pick_limit": 3,
            "pick_period_days": 14,
        },
    )
    assert changed.status_code == 200, changed.content
    with in_section(lille):
        policy = MatchingPolicy.load()
    assert policy.matching_mode == "buddies_choose"
    assert policy.request_fields == ["first_name", "languages"]
    assert (policy.pick_limit, policy.pick_period_days) == (3, 14)
    refused = post(coordinator, UPDATE, {"request_fields": ["email"], "pick_limit": 0})
    assert refused.status_code == 400
    assert set(refused.json()["fields"]) == {"request_fields", "pick_limit"}
