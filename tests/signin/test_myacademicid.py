"""Sign in with MyAcademicID against a real OpenID Connect provider on loopback."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import SESSION_KEY

from core.accounts.models import User
from core.models import Profile
from core.signin.models import ExternalIdentity, PendingSignin, SigninSettings
from portal_helpers import registration_data
from signin.conftest import local, portal

pytestmark = pytest.mark.django_db

ESI = "urn:schac:personalUniqueCode:int:esi:uni-heidelberg.de:123456"


def claims(email: str, **more) -> dict:
    return {
        "email": email,
        "name": "Lena Schmidt",
        "schac_home_organization": "uni-heidelberg.de",
        "schac_personal_unique_code": [ESI, "urn:schac:personalUniqueCode:de:local:9"],
        **more,
    }


def logged_in_user(client, section, in_section):
    with in_section(section):
        user_id = client.session.get(SESSION_KEY)
        return User.objects.filter(pk=user_id).first() if user_id else None


def test_first_login_registers_with_the_details_prefilled(catalogue, flow, lille, in_section):
    answer = flow.myacademicid("new-1@erasmus.eduteams.org", claims("lena@uni.de"), portal(lille))
    # nothing personal travels in the URL to the section: a signed code only
    location = answer["Location"]
    assert "lena" not in location and "eduteams" not in location and "code=" in location
    page = flow.to_section(answer)
    assert page.status_code == 302 and page["Location"] == "/signin/register/"
    form = flow.section.get("/signin/register/")
    body = form.content.decode()
    assert 'value="lena@uni.de"' in body and "disabled" in body
    assert 'value="Lena"' in body and 'value="Schmidt"' in body
    assert 'value="uni-heidelberg.de"' in body  # the home university, from the provider
    place, hobbies = catalogue
    data = registration_data("incoming", place, hobbies, password="", email="someone@else.org")
    data.pop("home_university")
    data["home_university"] = "Universität Heidelberg"
    done = flow.section.post("/signin/register/", data)
    assert done.status_code == 302 and done["Location"] == "/account/"
    with in_section(lille):
        user = User.objects.get(email="lena@uni.de")  # the provider's, not the posted one
        assert not User.objects.filter(email="someone@else.org").exists()
        assert not user.has_usable_password()
        profile = Profile.objects.get(user=user)
        assert profile.is_verified and profile.role == Profile.Role.INCOMING
        identity = ExternalIdentity.objects.get(user=user)
        assert identity.subject == "new-1@erasmus.eduteams.org"
        assert identity.home_organization == "uni-heidelberg.de"
        assert identity.student_identifiers == [ESI]  # only European Student Identifiers
        assert not PendingSignin.objects.exists()
    assert logged_in_user(flow.section, lille, in_section) == user
    assert flow.section.get("/account/").status_code == 200


def test_coordinators_see_the_home_institution_and_esi(flow, lille, in_section, coordinator):
    with in_section(lille):
        from factories import ProfileFactory

        profile = ProfileFactory()
        ExternalIdentity.objects.create(
            user=profile.user,
            provider="myacademicid",
            subject="seen@erasmus.eduteams.org",
            home_organization="uni-heidelberg.de",
            student_identifiers=[ESI],
        )
    body = coordinator.get(f"/coordinator/students/{profile.pk}/").content.decode()
    assert "MyAcademicID" in body and "uni-heidelberg.de" in body and ESI in body


def test_first_login_links_with_the_password(flow, lille, in_section):
    with in_section(lille):
        from factories import ProfileFactory

        owner = ProfileFactory(user__email="karl@uni.de").user
    answer = flow.myacademicid("link-1@erasmus.eduteams.org", claims("Karl@Uni.de"), portal(lille))
    page = flow.to_section(answer)
    assert page["Location"] == "/signin/link/"
    wrong = flow.section.post("/signin/link/", {"password": "not-it"})
    assert wrong.status_code == 200 and "This is not your password." in wrong.content.decode()
    with in_section(lille):
        assert not ExternalIdentity.objects.exists()
    done = flow.section.post("/signin/link/", {"password": "long-enough-pass"})
    assert done.status_code == 302 and done["Location"] == "/account/"
    with in_section(lille):
        assert ExternalIdentity.objects.get().user == owner
        assert User.objects.count() == User.objects.filter(email__in=[owner.email]).count() + (
            User.objects.exclude(email=owner.email).count()
        )
    assert logged_in_user(flow.section, lille, in_section) == owner


def test_first_login_links_with_an_emailed_link_in_the_same_browser_only(
    flow, lille, in_section, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with in_section(lille):
        from factories import ProfileFactory

        owner = ProfileFactory(user__email="mia@uni.de").user
    flow.to_section(
        flow.myacademicid("link-2@erasmus.eduteams.org", claims("mia@uni.de"), portal(lille))
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = flow.section.post("/signin/link/", {"send_link": "1"})
    assert sent.status_code == 200
    (email,) = mailoutbox
    assert email.to == ["mia@uni.de"]
    link = next(word for word in email.body.split() if "/signin/link/" in word)
    path = urlsplit(link).path
    # another browser (a forwarded email, a mail scanner) gets no button and links nothing
    elsewhere = client_for(lille)
    assert b"Open this link in the browser" in elsewhere.get(path).content
    assert elsewhere.post(path).status_code == 400
    with in_section(lille):
        assert not ExternalIdentity.objects.exists()
    assert b'type="submit"' in flow.section.get(path).content
    done = flow.section.post(path)
    assert done.status_code == 302
    with in_section(lille):
        assert ExternalIdentity.objects.get().user == owner
    assert logged_in_user(flow.section, lille, in_section) == owner


def test_second_login_finds_the_account_by_sub_after_the_email_changed(flow, lille, in_section):
    with in_section(lille):
        from factories import ProfileFactory

        user = ProfileFactory(user__email="old@uni.de").user
        ExternalIdentity.objects.create(
            user=user, provider="myacademicid", subject="same@erasmus.eduteams.org"
        )
    answer = flow.myacademicid(
        "same@erasmus.eduteams.org",
        claims("new-address@uni.de", schac_personal_unique_code=[ESI.replace("123456", "777")]),
        portal(lille, "/guides/"),
    )
    page = flow.to_section(answer)
    assert page.status_code == 302 and page["Location"] == "/guides/"
    assert logged_in_user(flow.section, lille, in_section) == user
    with in_section(lille):
        user.refresh_from_db()
        assert user.email == "old@uni.de"  # the account keeps its address
        identity = ExternalIdentity.objects.get(user=user)
        assert identity.student_identifiers == [ESI.replace("123456", "777")]  # ESI refreshed
        assert identity.last_login_at is not None
        assert not User.objects.filter(email="new-address@uni.de").exists()


def test_a_login_started_for_lille_never_lands_a_session_on_paris(
    flow, lille, paris, paris_client, in_section
):
    with in_section(lille):
        from factories import ProfileFactory

        user = ProfileFactory(user__email="both@uni.de").user
        ExternalIdentity.objects.create(
            user=user, provider="myacademicid", subject="lille-only@erasmus.eduteams.org"
        )
    answer = flow.myacademicid(
        "lille-only@erasmus.eduteams.org", claims("both@uni.de"), portal(lille)
    )
    assert urlsplit(answer["Location"]).hostname == lille.host
    # the same code taken to Paris: refused there, nobody logged in, nothing claimed
    refused = paris_client.get(local(answer["Location"]))
    assert refused.status_code == 400
    assert SESSION_KEY not in paris_client.session
    assert paris_client.get("/account/").status_code == 302
    with in_section(paris):
        assert not PendingSignin.objects.exists()
    # ...and still good on Lille, once
    assert flow.to_section(answer).status_code == 302
    assert logged_in_user(flow.section, lille, in_section) == user
    again = flow.section.get(local(answer["Location"]))
    assert again.status_code == 400


def test_a_next_address_outside_our_sections_is_refused(flow, public_client):
    for bad in (
        "https://evil.example.org/account/",
        "https://nosuchsection.localhost/account/",
        "javascript:alert(1)",
        "//evil.example.org/",
        "",
        "https://lille.localhost:9999/",
        "https://user@lille.localhost/",
        "https://lille.localhost:abc/",
        "https://[::1/",
        "https://lille.localhost/\\evil.example.org",
    ):
        answer = public_client.get("/signin/myacademicid/", {"next": bad})
        assert answer.status_code == 400, bad
        assert b"which section you came from" in answer.content
    assert public_client.get("/signin/nosuchprovider/", {"next": "x"}).status_code == 404


def test_a_section_that_does_not_offer_it(flow, lille, in_section, client_for, public_client):
    assert b"Sign in with MyAcademicID" in client_for(lille).get("/accounts/login/").content
    with in_section(lille):
        SigninSettings.objects.filter(pk=1).update(myacademicid=False)
    assert b"Sign in with MyAcademicID" not in client_for(lille).get("/accounts/login/").content
    refused = public_client.get("/signin/myacademicid/", {"next": portal(lille)})
    assert refused.status_code == 404 and b"does not offer this sign-in method" in refused.content


def test_switched_off_while_the_person_was_at_the_provider(flow, lille, in_section):
    answer = flow.myacademicid("off@erasmus.eduteams.org", claims("off@uni.de"), portal(lille))
    with in_section(lille):
        SigninSettings.objects.filter(pk=1).update(myacademicid=False)
    page = flow.to_section(answer)
    assert page.status_code == 404 and b"does not offer this sign-in method" in page.content
    with in_section(lille):
        assert not User.objects.filter(email="off@uni.de").exists()


def test_without_client_credentials_the_platform_offers_nothing(flow, settings, lille, client_for):
    settings.MYACADEMICID_CLIENT_SECRET = ""
    assert b"Sign in with MyAcademicID" not in client_for(lille).get("/accounts/login/").content


# --- failure paths: each a clear page, nothing created ---------------------------------------


def nothing_created(section, in_section, email: str) -> None:
    with in_section(section):
        assert not User.objects.filter(email=email).exists()
        assert not ExternalIdentity.objects.exists()
        assert not PendingSignin.objects.exists()


def test_provider_down(flow, settings, lille, in_section, public_client):
    settings.MYACADEMICID_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    answer = public_client.get("/signin/myacademicid/", {"next": portal(lille)})
    assert answer.status_code == 503 and b"did not answer" in answer.content


def test_state_mismatch_and_replay(flow, lille, in_section, oidc_issuer):
    import httpx

    started = flow.public.get("/signin/myacademicid/", {"next": portal(lille)})
    back = httpx.post(started["Location"], data={"sub": "state@erasmus.eduteams.org"}).headers[
        "location"
    ]
    forged = local(back).replace("state=", "state=forged")
    answer = flow.public.get(forged)
    assert answer.status_code == 400 and b"could not check this sign-in" in answer.content
    assert flow.public.get(local(back)).status_code == 302  # the genuine answer still works
    replayed = flow.public.get(local(back))  # but once
    assert replayed.status_code == 400
    # an answer this browser never asked for (login CSRF) is refused too
    other = flow.public.__class__(HTTP_HOST="localhost")
    assert other.get(local(back)).status_code == 400


def test_nonce_mismatch(flow, lille, in_section):
    import httpx

    started = flow.public.get("/signin/myacademicid/", {"next": portal(lille)})
    session = flow.public.session
    key = next(name for name in dict(session.items()) if name.startswith("_state_myacademicid_"))
    kept = session[key]
    kept["data"]["nonce"] = "not-the-nonce-sent"
    session[key] = kept
    session.save()
    back = httpx.post(started["Location"], data={"sub": "nonce@erasmus.eduteams.org"}).headers[
        "location"
    ]
    answer = flow.public.get(local(back))
    assert answer.status_code == 400 and b"could not check this sign-in" in answer.content
    nothing_created(lille, in_section, "nonce@erasmus.eduteams.org")


@pytest.mark.parametrize(
    "given",
    [{"name": "No Mail"}, {"email": "unverified@uni.de", "email_verified": False}],
    ids=["missing", "unverified"],
)
def test_email_missing_or_unverified(flow, lille, in_section, given):
    import uuid

    answer = flow.myacademicid(f"{uuid.uuid4().hex}@erasmus.eduteams.org", given, portal(lille))
    assert answer.status_code == 400 and b"no verified email address" in answer.content
    nothing_created(lille, in_section, "unverified@uni.de")


def test_sub_already_linked_to_another_account(flow, lille, in_section, client_for):
    with in_section(lille):
        from factories import ProfileFactory

        other = ProfileFactory(user__email="other@uni.de").user
        ExternalIdentity.objects.create(
            user=other, provider="myacademicid", subject="taken@erasmus.eduteams.org"
        )
        me = ProfileFactory(user__email="me@uni.de").user
    flow.section = client_for(lille, me)
    page = flow.to_section(
        flow.myacademicid("taken@erasmus.eduteams.org", claims("other@uni.de"), portal(lille))
    )
    assert page.status_code == 409 and b"already linked to another account" in page.content
    with in_section(lille):
        assert ExternalIdentity.objects.get().user == other
    assert logged_in_user(flow.section, lille, in_section) == me


def test_the_person_cancels(flow, lille, in_section):
    answer = flow.myacademicid(
        "cancel@erasmus.eduteams.org", claims("cancel@uni.de"), portal(lille), deny=True
    )
    assert answer.status_code == 200 and b"You cancelled the sign-in" in answer.content
    nothing_created(lille, in_section, "cancel@uni.de")


def test_a_registration_that_fails_leaves_nothing_half_created(catalogue, flow, lille, in_section):
    flow.to_section(
        flow.myacademicid("half@erasmus.eduteams.org", claims("half@uni.de"), portal(lille))
    )
    place, hobbies = catalogue
    with in_section(lille):
        # the sub got linked to someone else meanwhile (another tab): the registration fails
        ExternalIdentity.objects.create(
            user=User.objects.create_user("racer@uni.de"),
            provider="myacademicid",
            subject="half@erasmus.eduteams.org",
        )
    data = registration_data("incoming", place, hobbies, password="")
    answer = flow.section.post("/signin/register/", data)
    assert answer.status_code == 409
    with in_section(lille):
        assert not User.objects.filter(email="half@uni.de").exists()
        assert not Profile.objects.filter(user__email="half@uni.de").exists()


def test_sign_ins_nobody_finished_are_forgotten(flow, lille, in_section):
    from datetime import timedelta

    from django.utils import timezone

    from core.signin.tasks import purge_pending_signins

    flow.to_section(
        flow.myacademicid("left@erasmus.eduteams.org", claims("left@uni.de"), portal(lille))
    )
    with in_section(lille):
        assert PendingSignin.objects.count() == 1
        assert purge_pending_signins() == 0  # young: the person may still register
        PendingSignin.objects.update(created_at=timezone.now() - timedelta(minutes=31))
        assert purge_pending_signins() == 1
        assert not PendingSignin.objects.exists()
    assert flow.section.get("/signin/register/").status_code == 400  # gone for them too


def test_the_students_download_holds_their_linked_accounts(lille, in_section, client_for):
    import json

    with in_section(lille):
        from factories import ProfileFactory

        profile = ProfileFactory()
        ExternalIdentity.objects.create(
            user=profile.user,
            provider="myacademicid",
            subject="mine@erasmus.eduteams.org",
            home_organization="uni-heidelberg.de",
            student_identifiers=[ESI],
        )
    data = json.loads(client_for(lille, profile.user).get("/account/export/").content)
    (linked,) = data["sign_in_accounts"]
    assert linked["subject"] == "mine@erasmus.eduteams.org"
    assert linked["european_student_identifiers"] == [ESI]


def test_a_logged_in_student_links_myacademicid_from_the_account_page(
    flow, lille, in_section, client_for
):
    with in_section(lille):
        from factories import ProfileFactory

        me = ProfileFactory(user__email="me-too@uni.de").user
    flow.section = client_for(lille, me)
    page = flow.section.get("/account/").content.decode()
    assert (
        "Sign in with MyAcademicID" in page
        and "next=https%3A%2F%2Flille.localhost%2Faccount%2F" in page
    )
    # another address at the provider: the logged-in account is the one linked
    done = flow.to_section(
        flow.myacademicid("mine-too@erasmus.eduteams.org", claims("else@uni.de"), portal(lille))
    )
    assert done.status_code == 302 and done["Location"] == "/account/"
    with in_section(lille):
        assert ExternalIdentity.objects.get(subject="mine-too@erasmus.eduteams.org").user == me
    page = flow.section.get("/account/").content.decode()
    assert "You can sign in with MyAcademicID." in page and "Sign in with MyAcademicID<" not in page
