"""The section's students as coordinators list them: filtered, with their pair state.

Read by the coordinators' students page and the API's student list, with the same filter form
(matching.forms.StudentFilterForm): both list exactly the same students.
"""

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet

from core.models import Profile
from matching.models import Pair
from matching.waiting import has_active_pair, is_waiting


def with_pair_state(profiles: QuerySet[Profile], today: date) -> QuerySet[Profile]:
    """Annotate `is_matched` (at least one active pair) and `is_waiting` (matching.waiting)."""
    return profiles.annotate(
        is_matched=ExpressionWrapper(has_active_pair(), output_field=BooleanField()),
        is_waiting=ExpressionWrapper(is_waiting(today), output_field=BooleanField()),
    )


STUDENT_SORTS = {
    "name": ("user__last_name", "user__first_name"),
    "-registered": ("-created_at",),
    "arrival": ("arrival_date", "user__last_name"),
}


def student_list(filters: dict, today: date) -> QuerySet[Profile]:
    """The section's students as the coordinator filtered, searched and sorted them.

    One query for the page whatever the number of students (plus the paginator's count).
    """
    students = with_pair_state(Profile.objects.select_related("user", "place_of_study"), today)
    if filters.get("role"):
        students = students.filter(role=filters["role"])
    state = filters.get("state")
    if state == "unverified":
        students = students.filter(email_verified_at__isnull=True)
    elif state == "waiting":
        students = students.filter(is_waiting=True)
    elif state == "matched":
        students = students.filter(is_matched=True)
    elif state in (Profile.Status.WITHDRAWN, Profile.Status.DEACTIVATED):
        students = students.filter(status=state)
    if filters.get("nationality"):
        students = students.filter(nationality=filters["nationality"])
    if filters.get("place_of_study"):
        students = students.filter(place_of_study=filters["place_of_study"])
    if filters.get("arrival_month"):
        month = filters["arrival_month"]
        students = students.filter(arrival_date__year=month.year, arrival_date__month=month.month)
    if filters.get("language"):
        students = students.filter(languages__language=filters["language"])
    if filters.get("hobby"):
        students = students.filter(hobbies=filters["hobby"])
    if filters.get("search"):
        term = filters["search"].strip()
        students = students.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__email__icontains=term)
        )
    return students.order_by(*STUDENT_SORTS.get(filters.get("sort") or "", ("-created_at",)), "pk")


def pair_history(profile: Profile) -> QuerySet[Pair]:
    return Pair.objects.of(profile).with_partner_of(profile)
