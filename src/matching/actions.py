"""What matching records in the audit log (core.audit), with its words."""

from django.utils.translation import gettext_lazy as _

MATCH_RUN_STARTED = "match_run_started"
PAIR_CONFIRMED = "pair_confirmed"
PAIR_CREATED_BY_HAND = "pair_created_by_hand"
PAIR_ENDED = "pair_ended"
PROPOSALS_REJECTED = "proposals_rejected"
PAIR_PINNED = "pair_pinned"
POLICY_CHANGED = "policy_changed"
WAITING_TOLD = "waiting_list_told"
PROPOSALS_CONFIRMING = "proposals_confirming"
OFFER_MADE = "offer_made"
OFFER_ACCEPTED = "offer_accepted"
OFFER_DECLINED = "offer_declined"
OFFER_WITHDRAWN = "offer_withdrawn"
OFFERS_EXPIRED = "offers_expired"
OFFER_NOT_POSSIBLE = "offer_not_possible"
MATCHING_MODE_CHANGED = "matching_mode_changed"
REQUEST_TAKEN = "request_taken"

LABELS = {
    MATCH_RUN_STARTED: _("Matching started"),
    PAIR_CONFIRMED: _("Pair confirmed"),
    PAIR_CREATED_BY_HAND: _("Pair made by hand"),
    PAIR_ENDED: _("Pair ended"),
    PROPOSALS_REJECTED: _("Proposals rejected"),
    PAIR_PINNED: _("Pair pinned for the next run"),
    POLICY_CHANGED: _("Matching policy changed"),
    WAITING_TOLD: _("Students told they are on the waiting list"),
    PROPOSALS_CONFIRMING: _("Confirmation of proposals started"),
    OFFER_MADE: _("Student offered to a buddy"),
    OFFER_ACCEPTED: _("Offer accepted by the buddy"),
    OFFER_DECLINED: _("Offer declined by the buddy"),
    OFFER_WITHDRAWN: _("Offer withdrawn"),
    OFFERS_EXPIRED: _("Offers expired without an answer"),
    OFFER_NOT_POSSIBLE: _("Offer accepted too late: the pair was no longer possible"),
    MATCHING_MODE_CHANGED: _("Matching mode changed"),
    REQUEST_TAKEN: _("Request taken by a buddy"),
}
