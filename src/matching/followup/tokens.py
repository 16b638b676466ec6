"""Signed links of the follow-up emails: no login, no table, valid for one student only.

A token names the section's schema, the pair, the student and (for check-ins) the answer;
it is signed with a salt of its own, so it cannot be altered, used in another section, for
another pair or student, or turned from a check-in link into a survey link.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing
from django.db import connection

CHECKIN_SALT = "matching.followup.checkin"
SURVEY_SALT = "matching.followup.survey"
MAX_AGE = timedelta(days=120)


@dataclass(frozen=True)
class Claim:
    pair_id: int
    profile_id: int
    answer: str = ""


def checkin_token(pair_id: int, profile_id: int, answer: str) -> str:
    return signing.dumps(
        {"s": connection.schema_name, "p": pair_id, "u": profile_id, "a": answer},
        salt=CHECKIN_SALT,
    )


def survey_token(pair_id: int, profile_id: int) -> str:
    return signing.dumps(
        {"s": connection.schema_name, "p": pair_id, "u": profile_id}, salt=SURVEY_SALT
    )


def read_checkin_token(token: str) -> Claim | None:
    """What a valid check-in link answers, for whom; None for a forged, old or foreign link."""
    data = _read(token, CHECKIN_SALT)
    if data is None or not isinstance(data.get("a"), str):
        return None
    return Claim(data["p"], data["u"], data["a"])


def read_survey_token(token: str) -> Claim | None:
    data = _read(token, SURVEY_SALT)
    return None if data is None else Claim(data["p"], data["u"])


def _read(token: str, salt: str) -> dict | None:
    try:
        data = signing.loads(token, salt=salt, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("s") != connection.schema_name:
        return None
    if not all(isinstance(data.get(key), int) for key in ("p", "u")):
        return None
    return data
