"""What the API offers for each service a web page calls (tests/api/test_service_coverage.py).

`COUNTERPARTS`: service (module.function) -> the API endpoints (URL names) that call it.
`NOT_IN_THE_API`: service -> why the API deliberately has no counterpart.
"""

COUNTERPARTS: dict[str, tuple[str, ...]] = {
    # coordinators: students
    "matching.students.student_list": ("api:students",),
    "matching.students.pair_history": ("api:student",),
    "core.services.add_note": ("api:student_notes",),
    "core.services.deactivate_profile": ("api:student_deactivate",),
    "core.services.reactivate_profile": ("api:student_reactivate",),
    # coordinators: imports of incoming students
    "core.exchange.services.preview_import": ("api:imports",),
    "core.exchange.services.commit_import": ("api:import_commit",),
    "core.exchange.selectors.recent_batches": ("api:imports",),
    # coordinators: events
    "core.events.selectors.coordinator_events": ("api:coordinator_events",),
    "core.events.services.create_event": ("api:coordinator_events",),
    "core.events.services.update_event": ("api:coordinator_event",),
    "core.events.selectors.attendees": ("api:coordinator_event_attendees",),
    "core.events.services.export_attendees": ("api:coordinator_event_attendees_export",),
    # matching
    "matching.services.request_match_run": ("api:match_run_start",),
    "matching.services.start_confirmation": ("api:proposals_confirm",),
    "matching.services.reject_proposals": ("api:proposals_reject",),
    "matching.services.tell_waiting_students": ("api:match_run_tell", "api:proposals_confirm"),
    "matching.services.create_pair_by_hand": ("api:pair_create",),
    "matching.services.pin_pair": ("api:pair_pin",),
    "matching.services.update_policy": ("api:matching_policy_update",),
    "matching.services.reset_policy": ("api:matching_policy_reset",),
    "matching.pairs.end_pair": ("api:pair_end",),
    "matching.followup.services.mark_handled": ("api:follow_up_handled",),
    # a student's account, events and guides
    "core.services.update_profile": ("api:me",),
    "core.services.withdraw": ("api:me_withdraw",),
    "core.services.rejoin": ("api:me_rejoin",),
    "core.services.record_export": ("api:me_data",),
    "core.services.erase_student": ("api:me_delete",),
    "core.events.services.register_for_event": ("api:my_event_register",),
    "core.events.services.cancel_registration": ("api:my_event_cancel",),
    # network admins (root domain)
    "network.lifecycle.set_active": ("api:network_section_active",),
    "network.lifecycle.invite_section_coordinator": ("api:network_section_coordinators",),
    "matching.offers.services.accept_offer": ("api:accept_offer",),
    "matching.offers.services.decline_offer": ("api:decline_offer",),
    "matching.offers.services.withdraw_offer": ("api:withdraw_offer",),
    # coordinators: messages
    "core.events.selectors.messages": ("api:messages",),
    "core.events.services.save_message": ("api:messages", "api:message"),
    "core.events.selectors.count_recipients": ("api:message",),
    "core.events.services.send_message": ("api:message_send",),
    "core.events.selectors.deliveries": ("api:message_deliveries",),
    # coordinators: guides
    "core.guides.services.create_guide": ("api:coordinator_guides",),
    "core.guides.services.update_guide": ("api:coordinator_guide",),
    "core.guides.services.delete_guide": ("api:coordinator_guide",),
    # coordinators: exports
    "matching.exports.services.export_students": ("api:export_students",),
    "matching.exports.services.export_pairs": ("api:export_pairs",),
    "matching.choosing.services.take_request": ("api:take_request",),
    # the mode a confirmation follows: read in the policy, told by each confirmation
    "matching.services.offers_buddies": ("api:matching_policy", "api:confirmation"),
    "network.lifecycle.coordinators_of": ("api:network_section",),
}

# A link only an email carries, a browser's redirect flow, or the section's own set-up.
_EMAILED_LINK = "answers a link only an email carries (its token is the authorisation)"
_BROWSER_SIGN_IN = "a browser's sign-in flow (redirects to and from the identity provider)"
_SET_UP = (
    "the section's set-up (branding, programme, catalogue, team, sign-in) is done by its"
    " coordinators on the settings pages; an integration has no need to change it"
)
# The network admins' writes: API v1 reads their sections and statistics only.
_NETWORK_WRITE = (
    "a network admin's other writes (onboarding, join requests, a section's details, deactivating"
    " a coordinator, support access, admins) are done on the network pages for now"
)
# What the network pages list for their own writes, which the API leaves to them (above).
_NETWORK_PAGES_READ = (
    "lists what the network pages' own writes act on (admins, join requests, support"
    " access), which the API leaves to those pages"
)
_SUPPORT_LINK = (
    "a support access is a signed link the admin opens in a browser, read-only: never a"
    " token an integration holds"
)
NOT_IN_THE_API: dict[str, str] = {
    "network.admins.admins_in_scope": _NETWORK_PAGES_READ,
    "network.joining.requests_in_scope": _NETWORK_PAGES_READ,
    "network.support.grants_in_scope": _NETWORK_PAGES_READ,
    "network.support.entry_link": _SUPPORT_LINK,
    "network.support.grant_for_link": _SUPPORT_LINK,
    "network.joining.submit_join_request": (
        "asking to join is a form for people (a section to be), rate-limited per address"
    ),
    "network.joining.approve": _NETWORK_WRITE,
    "network.joining.decline": _NETWORK_WRITE,
    "network.joining.onboard": _NETWORK_WRITE,
    "network.joining.import_sections": _NETWORK_WRITE,
    "network.lifecycle.edit_section": _NETWORK_WRITE,
    "network.lifecycle.deactivate_section_coordinator": _NETWORK_WRITE,
    "network.support.open_access": _NETWORK_WRITE,
    "network.support.end_access": _NETWORK_WRITE,
    "network.admins.invite_admin": _NETWORK_WRITE,
    "network.admins.deactivate_admin": _NETWORK_WRITE,
    "core.services.verify_email": _EMAILED_LINK,
    "core.exchange.services.complete_invitation": _EMAILED_LINK,
    "core.events.services.unsubscribe": _EMAILED_LINK,
    "core.events.services.resubscribe": _EMAILED_LINK,
    "matching.followup.services.record_checkin_answer": _EMAILED_LINK,
    "matching.followup.services.record_survey_answer": _EMAILED_LINK,
    "core.services.register_or_tell_owner": (
        "registering shows the section's privacy notice and records the student's consent to"
        " it, in their language, on the page: an app sends students to the registration page"
    ),
    "core.services.resend_verification": (
        "belongs to registering on the page: a student whose address is not verified cannot"
        " use the API yet"
    ),
    "core.accounts.services.request_password_reset": (
        "a forgotten password is reset through an emailed link, in the browser"
    ),
    "core.signin.services.hand_off": _BROWSER_SIGN_IN,
    "core.signin.services.claim_handoff": _BROWSER_SIGN_IN,
    "core.signin.services.pending_signin": _BROWSER_SIGN_IN,
    "core.signin.services.identity_for": _BROWSER_SIGN_IN,
    "core.signin.services.signed_in": _BROWSER_SIGN_IN,
    "core.signin.services.link": _BROWSER_SIGN_IN,
    "core.signin.services.email_link": _BROWSER_SIGN_IN,
    "core.signin.services.register": _BROWSER_SIGN_IN,
    "core.signin.services.register_coordinator_candidate": _BROWSER_SIGN_IN,
    "core.signin.services.ask_coordinator_role": _BROWSER_SIGN_IN,
    "core.signin.services.decide_coordinator_request": (
        "who becomes a coordinator is decided on the team pages by a coordinator, never by a"
        " token (a leaked token must not make coordinators)"
    ),
    "coordinator.services.invite_co_coordinator": (
        "coordinators are invited on the team page, never by a token (a leaked token must not"
        " make coordinators)"
    ),
    "coordinator.services.deactivate_coordinator": (
        "coordinators are deactivated on the team page, by a coordinator in person"
    ),
    "core.signin.services.update_settings": _SET_UP,
    "coordinator.services.update_branding": _SET_UP,
    "coordinator.services.update_programme": _SET_UP,
    "coordinator.services.save_catalogue_entry": _SET_UP,
    "coordinator.services.translate_catalogue_entry": _SET_UP,
    "coordinator.services.switch_off_catalogue_entry": _SET_UP,
    "core.outbox.services.retry_failed": (
        "a failed email is sent again from the dashboard, where the coordinator sees why it"
        " failed (the address, the server's answer)"
    ),
}
