"""Signed links of the follow-up emails (core.signing): no login, one student of one pair.

A check-in link names the answer it records; it cannot be turned into a survey link, used in
another section, for another pair or another student.
"""

from dataclasses import dataclass
from datetime import timedelta

from core.signing import LinkRefused, make_link_token, read_link_token

CHECKIN = "followup-checkin"
SURVEY = "followup-survey"
MAX_AGE = timedelta(days=120)


@dataclass(frozen=True)
class Claim:
    pair_id: int
    profile_id: int
    answer: str = ""


def checkin_token(pair_id: int, profile_id: int, answer: str) -> str:
    return make_link_token(CHECKIN, p=pair_id, u=profile_id, a=answer)


def survey_token(pair_id: int, profile_id: int) -> str:
    return make_link_token(SURVEY, p=pair_id, u=profile_id)


def read_checkin_token(token: str) -> Claim | None:
    """What a valid check-in link answers, for whom; None for a forged, old or foreign link."""
    data = _read(token, CHECKIN)
    if data is None or not isinstance(data.get("a"), str):
        return None
    return Claim(data["p"], data["u"], data["a"])


def read_survey_token(token: str) -> Claim | None:
    data = _read(token, SURVEY)
    return None if data is None else Claim(data["p"], data["u"])


def _read(token: str, purpose: str) -> dict | None:
    try:
        data = read_link_token(purpose, token, MAX_AGE)
    except LinkRefused:
        return None
    if not all(isinstance(data.get(key), int) for key in ("p", "u")):
        return None
    return data
