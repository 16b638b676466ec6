"""Sign in with ESN Accounts (CAS 3) against a CAS stub on loopback; ESN board members and
the coordinator role."""

import pytest
from django.contrib.auth import SESSION_KEY

from core.accounts.models import User
from core.models import AuditEvent, Profile
from core.signin.models import CoordinatorRequest, ExternalIdentity, PendingSignin
from portal_helpers import registration_data
from signin.conftest import LILLE_CODE, local, portal

pytestmark = pytest.mark.django_db


def esn(email: str, *, code: str = LILLE_CODE, roles=("Local.activeMember",)) -> dict:
    return {
        "mail": email,
        "first": "Jules",
        "last": "Martin",
        "sc": code,
        "section": "ESN Lille",
        "country": "FR",
        "nationality": "FR",
        "roles": list(roles),
    }


BOARD = ("Local.activeMember", "Local.regularBoardMember")


def test_a_buddy_registers_with_esn_accounts(catalogue, flow, lille, in_section):
    page = flow.to_section(flow.esn("jmartin", esn("jules@esnlille.fr"), portal(lille)))
    assert page["Location"] == "/signin/register/"
    form = flow.section.get("/signin/register/").content.decode()
    assert 'value="jules@esnlille.fr"' in form and "Ask for the coordinator role" not in form
    place, hobbies = catalogue
    done = flow.section.post("/signin/register/", registration_data("buddy", place, hobbies))
    assert done.status_code == 302
    with in_section(lille):
        user = User.objects.get(email="jules@esnlille.fr")
        assert user.profile.role == Profile.Role.BUDDY and user.profile.is_verified
        assert user.has_usable_password()  # they chose one: both ways work
        assert ExternalIdentity.objects.get(user=user).subject == "jmartin"


def test_a_board_member_asks_for_the_coordinator_role_and_a_coordinator_confirms(
    flow, lille, in_section, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    page = flow.to_section(flow.esn("board1", esn("board@esnlille.fr", roles=BOARD), portal(lille)))
    form = flow.section.get(page["Location"]).content.decode()
    assert "Ask for the coordinator role" in form
    sent = flow.section.post("/signin/coordinator-role/")
    assert sent.status_code == 200 and b"Request sent" in sent.content
    with in_section(lille):
        user = User.objects.get(email="board@esnlille.fr")
        assert not user.is_coordinator
        assert not Profile.objects.filter(user=user).exists()
        request = CoordinatorRequest.objects.get(user=user)
        assert request.status == CoordinatorRequest.Status.OPEN
        assert not PendingSignin.objects.exists()
    assert flow.section.get("/coordinator/").status_code == 403  # not yet
    listed = coordinator.get("/signin/coordinator-requests/").content.decode()
    assert "board@esnlille.fr" in listed and "Local.regularBoardMember" in listed
    assert b"1 coordinator request waiting" in coordinator.get("/coordinator/settings/").content
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = coordinator.post(
            "/signin/coordinator-requests/", {"request": request.pk, "confirm": "1"}
        )
    (told,) = [email for email in mailoutbox if email.to == ["board@esnlille.fr"]]
    # no profile, so no language of their own: the section's (Lille writes French)
    assert (
        told.subject == "Vous êtes coordinateur de la section ESN Lille"
        and "/coordinator/" in told.body
    )
    assert confirmed.status_code == 302
    with in_section(lille):
        user.refresh_from_db()
        assert user.is_coordinator
        assert AuditEvent.objects.filter(action="coordinator_request_confirmed").exists()
    # deciding twice changes nothing
    coordinator.post("/signin/coordinator-requests/", {"request": request.pk})
    with in_section(lille):
        assert CoordinatorRequest.objects.get(pk=request.pk).status == "confirmed"
    assert flow.section.get("/coordinator/").status_code == 200
    # the next ESN sign-in logs the new coordinator in, and offers nothing more
    again = flow.to_section(
        flow.esn("board1", esn("board@esnlille.fr", roles=BOARD), portal(lille, "/coordinator/"))
    )
    assert again["Location"] == "/coordinator/"


def test_a_buddy_on_the_board_is_offered_the_role_after_signing_in(
    flow, lille, in_section, coordinator
):
    with in_section(lille):
        from factories import ProfileFactory

        buddy = ProfileFactory(user__email="buddy@esnlille.fr", role="buddy").user
        ExternalIdentity.objects.create(user=buddy, provider="esn", subject="buddy1")
    page = flow.to_section(flow.esn("buddy1", esn("buddy@esnlille.fr", roles=BOARD), portal(lille)))
    assert page["Location"] == "/signin/coordinator-role/"
    assert flow.section.post("/signin/coordinator-role/").status_code == 200
    with in_section(lille):
        request = CoordinatorRequest.objects.get(user=buddy)
    coordinator.post("/signin/coordinator-requests/", {"request": request.pk, "decline": "1"})
    with in_section(lille):
        buddy.refresh_from_db()
        assert not buddy.is_coordinator
        assert CoordinatorRequest.objects.get(pk=request.pk).status == "declined"


@pytest.mark.parametrize(
    "attributes",
    [esn("x@esnparis.fr", code="FR-PARI-ESN", roles=BOARD), esn("x@esnlille.fr")],
    ids=["board-of-another-section", "not-on-the-board"],
)
def test_no_offer_without_this_sections_board_role(flow, lille, in_section, attributes):
    page = flow.to_section(flow.esn("someone", attributes, portal(lille)))
    assert "Ask for the coordinator role" not in flow.section.get(page["Location"]).content.decode()
    assert flow.section.post("/signin/coordinator-role/").status_code == 400
    with in_section(lille):
        assert not CoordinatorRequest.objects.exists()


def test_a_student_cannot_decide_requests(flow, lille, in_section, client_for):
    with in_section(lille):
        from factories import ProfileFactory

        student = ProfileFactory().user
        request = CoordinatorRequest.objects.create(user=student)
    client = client_for(lille, student)
    assert (
        client.post(
            "/signin/coordinator-requests/", {"request": request.pk, "confirm": "1"}
        ).status_code
        == 403
    )
    with in_section(lille):
        assert not User.objects.get(pk=student.pk).is_coordinator


def test_cas_down_or_not_cas(flow, lille, in_section, cas):
    cas.down = True
    answer = flow.esn("down", esn("down@esnlille.fr"), portal(lille))
    assert answer.status_code == 503 and b"did not answer" in answer.content
    with in_section(lille):
        assert not PendingSignin.objects.exists()


def test_cas_server_unreachable(flow, settings, lille):
    started = flow.public.get("/signin/esn/", {"next": portal(lille)})
    settings.ESN_CAS_URL = "http://127.0.0.1:9/cas/"
    state = started["Location"].split("state%3D", 1)[1]
    answer = flow.public.get(f"/signin/esn/callback/?state={state}&ticket=ST-1")
    assert answer.status_code == 503


def test_a_ticket_is_good_once_and_for_its_state_only(flow, lille, cas):
    started = flow.public.get("/signin/esn/", {"next": portal(lille)})
    import httpx

    cas.accounts["once"] = esn("once@esnlille.fr")
    back = httpx.get(started["Location"] + "&as=once").headers["location"]
    assert flow.public.get(local(back)).status_code == 302
    assert flow.public.get(local(back)).status_code == 400  # the state is spent
    # a ticket for another state (another login) is refused by the CAS server
    started = flow.public.get("/signin/esn/", {"next": portal(lille)})
    state = started["Location"].split("state%3D", 1)[1]
    ticket = cas.issue("once", "https://elsewhere.example.org/")
    refused = flow.public.get(f"/signin/esn/callback/?state={state}&ticket={ticket}")
    assert refused.status_code == 400 and b"refused this sign-in" in refused.content


def test_returning_without_a_ticket(flow, lille):
    started = flow.public.get("/signin/esn/", {"next": portal(lille)})
    state = started["Location"].split("state%3D", 1)[1]
    answer = flow.public.get(f"/signin/esn/callback/?state={state}")
    assert answer.status_code == 200 and b"You cancelled" in answer.content


def test_paris_does_not_offer_esn_accounts(flow, paris, public_client, client_for):
    assert b"ESN Accounts" not in client_for(paris).get("/accounts/login/").content
    assert public_client.get("/signin/esn/", {"next": portal(paris)}).status_code == 404


def test_the_settings_card(flow, lille, in_section, coordinator, client_for):
    from core.signin.models import SigninSettings

    page = coordinator.get("/coordinator/settings/").content.decode()
    assert "Sign-in methods" in page and LILLE_CODE in page
    refused = coordinator.post(
        "/signin/settings/", {"esn": "on", "esn_section_code": "FR LILLE; drop"}
    )
    assert refused.status_code == 302
    with in_section(lille):
        assert SigninSettings.load().esn_section_code == LILLE_CODE
    saved = coordinator.post(
        "/signin/settings/", {"esn": "on", "esn_section_code": " fr-lill-esn2 "}
    )
    assert saved.status_code == 302
    with in_section(lille):
        chosen = SigninSettings.load()
        assert (chosen.myacademicid, chosen.esn, chosen.esn_section_code) == (
            False,
            True,
            "FR-LILL-ESN2",
        )
    assert SESSION_KEY in coordinator.session
