"""The words a buddy reads when taking a request is refused, on the page and in the API."""

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.models import Profile
from matching.choosing import selectors
from matching.choosing.services import CannotTake
from matching.models import MatchingPolicy


def refusal(reason: str, buddy: Profile) -> str:
    """The words for a refused take (`CannotTake.reason`), for the page and the API."""
    if reason == CannotTake.LIMIT:
        picks = selectors.picks(buddy, MatchingPolicy.load())
        return _(
            "You have taken %(limit)s requests in %(days)s days, the most your section allows. "
            "You can take another one from %(date)s."
        ) % {
            "limit": picks.limit,
            "days": picks.period_days,
            "date": date_format(picks.next_on, "DATE_FORMAT") if picks.next_on else "—",
        }
    return str(REFUSALS.get(reason, REFUSALS[CannotTake.GONE]))


REFUSALS = {
    CannotTake.CLOSED: gettext_lazy(
        "Buddies do not choose their students in this section at the moment."
    ),
    CannotTake.NOT_A_BUDDY: gettext_lazy("Only local buddies take requests."),
    CannotTake.FULL: gettext_lazy(
        "You have no free place left. You can change how many students you can take in "
        "your profile."
    ),
    CannotTake.TAKEN: gettext_lazy(
        "Sorry, another buddy took this request just before you. Have a look at the others!"
    ),
    CannotTake.GONE: gettext_lazy(
        "This request is no longer open to you. Have a look at the others!"
    ),
}
