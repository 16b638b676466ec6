"""The offer's email to the buddy, a kind the outbox sends by name (see core.outbox.emails).

Built when it is sent, from the offer's id: an offer withdrawn or answered meanwhile sends
nothing. It shows `disclosure.offered_student` of the incoming student, nothing else.
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.models import Profile
from core.outbox.emails import Email, EmailKind, register, render_email, section_link
from matching.disclosure import offered_student
from matching.explanations import hobby_names, reasons
from matching.models import Offer
from tenants.selectors import current_section

OFFER_EMAIL = "matching.offer"


def _offer(offer: int) -> Email | None:
    found = (
        Offer.objects.select_related("incoming__user", "incoming__place_of_study", "buddy__user")
        .filter(pk=offer, status=Offer.Status.PENDING)
        .first()
    )
    if found is None or found.buddy.status != Profile.Status.ACTIVE:
        return None
    buddy, section = found.buddy, current_section()
    with translation.override(buddy.language):
        why = reasons(found.details, hobby_names(), for_buddy=True)
    return render_email(
        to=buddy.user.email,
        template="matching/offers/email/offer",
        context={
            "first_name": buddy.user.first_name,
            "student": offered_student(found.incoming),
            "reasons": why,
            "expires_at": found.expires_at,
            "link": section_link(section, "core:account"),
        },
        language=buddy.language,
        section=section,
    )


register(EmailKind(OFFER_EMAIL, _("An incoming student offered to a buddy"), _offer))
