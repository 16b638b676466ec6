"""A real section's first week (issue 11), in Chromium against gunicorn, a Celery worker and
Redis: the steps run in order and share the story's people; each step checks what it is about
at its end, so a step that fails leaves the next ones their state. The main pages met on the
way are checked at 1280 and 375 px (browser.Checks) by the tests at the end of the file."""

import json
import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect

from e2e import pages
from e2e.browser import WIDTHS, Person, in_language, new_person

LYON, NANTES = "lyon", "nantes"
PLACE, HOBBIES = "Université Lumière Lyon 2", ("Cooking", "Hiking")
NOTICE = "We keep your profile to find you a buddy, and erase it six months after your stay."

INCOMING = {
    # name: (email, browser language, window width, profile)
    "Ana García": ("ana@e2e.example.org", "en-US", 1280, dict(nationality="ES", language="en")),
    "Kenji Sato": ("kenji@e2e.example.org", "en-GB", 375, dict(nationality="JP", language="en")),
    "Chloé Dubois": ("chloe@e2e.example.org", "fr-FR", 1280, dict(nationality="BE", language="fr")),
    "Lena Weber": ("lena@e2e.example.org", "en-GB", 1280, dict(nationality="DE", language="en")),
}
BUDDIES = {
    "Louis Bernard": ("louis@e2e.example.org", "fr-FR", 1280, dict(capacity=2, language="fr")),
    "Camille Petit": ("camille@e2e.example.org", "fr-FR", 1280, dict(capacity=1, language="fr")),
    "Hugo Laurent": ("hugo@e2e.example.org", "en-GB", 1280, dict(capacity=1, language="en")),
}

# The main pages the story meets, each checked at both widths.
MAIN_PAGES = (
    "directory",
    "home_opening_soon",
    "set_password",
    "login",
    "dashboard",
    "settings",
    "home",
    "register_choice",
    "register_incoming",
    "register_buddy",
    "registered",
    "account",
    "edit_profile",
    "leave",
    "delete_account",
    "matching",
    "review",
    "pairs",
    "new_pair",
    "waiting",
    "matching_settings",
    "new_message",
    "students",
)


@dataclass
class Story:
    people: dict[str, Person] = field(default_factory=dict)
    coordinator: Person | None = None
    facts: dict = field(default_factory=dict)
    pairs: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture(scope="module")
def story(browser, stack):
    the_story = Story()
    yield the_story
    for person in the_story.people.values():
        person.context.close()
    # what the run saw that no assertion decides (was a progress bar ever on screen?)
    facts = {k: v for k, v in the_story.facts.items() if isinstance(v, bool)}
    (stack.work / "story.json").write_text(json.dumps({**facts, "pairs": the_story.pairs}))


def person(story: Story, browser, name: str, email: str, **kwargs) -> Person:
    story.people[name] = new_person(browser, name, email, **kwargs)
    return story.people[name]


def profile(name: str, role: str, details: dict) -> dict:
    return {
        "born": "2002-03-14",
        "nationality": "FR",
        "gender": "Woman" if name.split()[0] in ("Ana", "Chloé", "Lena", "Camille") else "Man",
        "place": PLACE,
        "faculty": "Economics",
        "speaks": "en",
        "hobbies": HOBBIES[:1] if role == "incoming" else HOBBIES,
        **details,
    }


def test_admin_onboards_two_sections(story, stack, browser, checks):
    admin = person(story, browser, "Platform Admin", "admin")
    pages.admin_log_in(admin, stack)
    pages.admin_onboard_section(
        admin, stack, LYON, "ESN Lyon", "Lyon", "lea@lyon.example.org", "fr"
    )
    pages.admin_onboard_section(
        admin, stack, NANTES, "ESN Nantes", "Nantes", "paul@nantes.example.org", "en"
    )
    # the directory on the root domain lists them
    admin.page.goto(stack.url("", "/"))
    lyon = admin.page.get_by_role("listitem").filter(has_text="ESN Lyon")
    expect(lyon).to_contain_text(admin.t("opening soon"))  # until its checklist is done
    checks.check(admin, "directory")


def test_coordinator_sets_password_from_invitation(story, stack, browser, checks):
    lea = person(story, browser, "Léa Moreau", "lea@lyon.example.org", locale="fr-FR")
    story.coordinator = lea
    lea.page.goto(pages.link_in_email(stack, lea.email, "/accounts/set-password/"))
    checks.check(lea, "set_password")
    pages.field(lea, "New password").fill(lea.password)
    pages.field(lea, "New password confirmation").fill(lea.password)
    lea.page.locator("main").get_by_role("button").click()
    lea.page.goto(stack.url(LYON, "/coordinator/"))
    problems = []
    if "/accounts/login/" in lea.page.url:
        problems.append("setting the password from the invitation did not log the coordinator in")
        pages.log_in(lea, stack, LYON)
        if not lea.page.url.endswith("/coordinator/"):
            problems.append(f"after logging in, the coordinator landed on {lea.page.url}")
    lea.page.goto(stack.url(LYON, "/coordinator/"))
    expect(lea.page.get_by_role("heading", level=1)).to_have_text(lea.t("Dashboard"))
    assert not problems, problems


def test_coordinator_completes_the_checklist(story, stack, browser, checks):
    lea = story.coordinator
    visitor = person(story, browser, "A Visitor", "visitor@e2e.example.org")
    visitor.page.goto(stack.url(LYON, "/"))
    checks.check(visitor, "home_opening_soon")
    visitor.page.goto(stack.url(LYON, "/register/incoming/"))
    create = visitor.page.get_by_role("button", name=visitor.t("Create my account"))
    open_before_ready = create.count()

    pages.dashboard(lea, stack, LYON)
    checks.check(lea, "dashboard")
    checklist_shown = pages.checklist(lea).count() > 0
    steps_at_first = pages.steps_to_do(lea)
    pages.add_to_catalogue(lea, stack, LYON, "Places of study", PLACE)
    for hobby in HOBBIES:
        pages.add_to_catalogue(lea, stack, LYON, "Hobbies and interests", hobby)
    pages.save_programme_settings(lea, stack, LYON, NOTICE)
    checks.check(lea, "settings")
    pages.dashboard(lea, stack, LYON)
    still_to_do = pages.steps_to_do(lea)
    visitor.page.goto(stack.url("", "/"))
    lyon = visitor.page.get_by_role("listitem").filter(has_text="ESN Lyon")
    still_soon = visitor.t("opening soon") in lyon.inner_text()

    # Nantes gets ready too: its student is the one who must reach nothing of Lyon
    paul = person(story, browser, "Paul Roux", "paul@nantes.example.org")
    pages.set_password_from_invitation(paul, stack)
    pages.log_in(paul, stack, NANTES)
    pages.add_to_catalogue(paul, stack, NANTES, "Places of study", "Nantes Université")
    pages.add_to_catalogue(paul, stack, NANTES, "Hobbies and interests", "Cooking")
    pages.save_programme_settings(paul, stack, NANTES, NOTICE)

    problems = [
        *(
            ["the dashboard of a new section shows no setup checklist"]
            if not checklist_shown
            else []
        ),
        *(
            [f"the checklist listed nothing to do at first: {steps_at_first}"]
            if len(steps_at_first) < 2
            else []
        ),
        *(
            [f"the checklist still lists things to do once all is set: {still_to_do}"]
            if still_to_do
            else []
        ),
        *(["registration was open before the section was ready"] if open_before_ready else []),
        *(["the directory still says Lyon opens soon"] if still_soon else []),
    ]
    assert not problems, problems


def test_students_register_and_verify(story, stack, browser, checks):
    ana_email, ana_locale, ana_width, ana_details = INCOMING["Ana García"]
    ana = person(story, browser, "Ana García", ana_email, locale=ana_locale, width=ana_width)
    ana.page.goto(stack.url(LYON, "/"))
    checks.check(ana, "home")
    ana.page.goto(stack.url(LYON, "/register/"))
    checks.check(ana, "register_choice")
    ana.page.goto(stack.url(LYON, "/register/incoming/"))
    checks.check(ana, "register_incoming")
    pages.register(ana, stack, LYON, "incoming", profile("Ana García", "incoming", ana_details))
    checks.check(ana, "registered")
    pages.verify_from_email(ana, stack)
    ana.page.goto(stack.url(LYON, "/accounts/login/"))
    checks.check(ana, "login")
    pages.log_in(ana, stack, LYON)
    ana.page.goto(stack.url(LYON, "/account/"))
    checks.check(ana, "account")

    for name, (email, locale, width, details) in INCOMING.items():
        if name != "Ana García":
            student = person(story, browser, name, email, locale=locale, width=width)
            pages.register(student, stack, LYON, "incoming", profile(name, "incoming", details))
            pages.verify_from_email(student, stack)
            pages.log_in(student, stack, LYON)
    for name, (email, locale, width, details) in BUDDIES.items():
        buddy = person(story, browser, name, email, locale=locale, width=width)
        if name == "Louis Bernard":
            buddy.page.goto(stack.url(LYON, "/register/buddy/"))
            checks.check(buddy, "register_buddy")
        pages.register(buddy, stack, LYON, "buddy", profile(name, "buddy", details))
        pages.verify_from_email(buddy, stack)
        pages.log_in(buddy, stack, LYON)

    kenji = story.people["Kenji Sato"]
    kenji.page.goto(stack.url(LYON, "/account/edit/"))
    checks.check(kenji, "edit_profile")

    sara = person(story, browser, "Sara Ricci", "sara@e2e.example.org")
    details = dict(nationality="IT", language="en", place="Nantes Université")
    pages.register(sara, stack, NANTES, "incoming", profile("Sara Ricci", "incoming", details))
    pages.verify_from_email(sara, stack)
    pages.log_in(sara, stack, NANTES)

    # verified: each is waiting for a buddy, and each email came in their own language
    for name, (email, _locale, _width, details) in {**INCOMING, **BUDDIES}.items():
        student = story.people[name]
        waiting = (
            "We are looking for a local buddy for you. You will get an email as soon as you are"
            " matched."
            if name in INCOMING
            else "We are looking for an incoming student for you. You will get an email as soon"
            " as you are matched."
        )
        assert student.t(waiting) in pages.account_status(student, stack, LYON), name
        subject = "Confirm your email for %(name)s's buddy programme"
        expected = in_language(details["language"], subject) % {"name": "ESN Lyon"}
        assert [str(m["Subject"]) for m in stack.emails(email)] == [expected]

    lea = story.coordinator
    lea.page.goto(stack.url(LYON, "/coordinator/students/"))
    checks.check(lea, "students")
    for name in [*INCOMING, *BUDDIES]:
        expect(lea.page.locator("main")).to_contain_text(name)
    expect(lea.page.locator("main")).not_to_contain_text("Sara Ricci")


def test_pages_speak_the_browser_language(story, stack):
    """Issue 11, item 2: an English browser reads English on a French section; a French
    browser reads French."""
    ana, chloe = story.people["Ana García"], story.people["Chloé Dubois"]
    languages = {}
    for student in (ana, chloe):
        student.page.goto(stack.url(LYON, "/"))
        languages[student.name] = student.page_language()
    assert languages == {"Ana García": "en", "Chloé Dubois": "fr"}


def test_coordinator_runs_matching_and_reads_the_explanations(story, stack, checks):
    lea = story.coordinator
    lea.page.goto(stack.url(LYON, "/coordinator/matching/"))
    checks.check(lea, "matching")
    story.facts["progress_seen"] = pages.start_match_run(lea, stack, LYON)
    pages.open_review(lea, stack, LYON)
    checks.check(lea, "review")
    rows = pages.proposal_rows(lea, INCOMING, BUDDIES)
    assert len(rows) == len(INCOMING), rows
    for row in rows:
        assert lea.t("both speak %(languages)s").split("%(")[0].strip() in row.text, (
            f"the proposal {row.incoming} ↔ {row.buddy} explains nothing: {row.text}"
        )
    story.facts["first_run"] = rows
    # the breakdown is there on demand: one click on a row's "Why" shows it
    first_row = lea.page.locator("main table tbody tr").first
    first_row.get_by_text(lea.t("Why"), exact=True).click()
    expect(first_row.locator("details dl")).to_be_visible()
    scores = [row.score for row in rows]
    on_scale = all(score is not None and 0 <= score <= 100 for score in scores)
    assert on_scale, f"scores not on a 0 to 100 scale: {scores}"


def test_coordinator_rejects_one_reruns_and_confirms_the_rest(story, stack, checks):
    lea = story.coordinator
    rejected = story.facts["first_run"][0]
    pages.open_review(lea, stack, LYON)
    pages.select_proposal(lea, rejected)
    pages.reject_selected(lea)
    pages.start_match_run(lea, stack, LYON)
    pages.open_review(lea, stack, LYON)
    rows = pages.proposal_rows(lea, INCOMING, BUDDIES)
    assert (rejected.incoming, rejected.buddy) not in {(r.incoming, r.buddy) for r in rows}
    assert len(rows) == len(INCOMING)
    question, story.facts["confirmation_progress_seen"] = pages.confirm_all(lea, len(rows))
    assert f"{2 * len(rows)} " in question, (
        f"the confirmation does not count the emails: {question}"
    )
    story.pairs = [(row.incoming, row.buddy) for row in rows]
    lea.page.goto(stack.url(LYON, "/coordinator/matching/pairs/"))
    checks.check(lea, "pairs")
    for incoming, buddy in story.pairs:
        expect(lea.page.locator("main")).to_contain_text(incoming)
        expect(lea.page.locator("main")).to_contain_text(buddy)
    for path, name in (
        ("/coordinator/matching/pairs/new/", "new_pair"),
        ("/coordinator/matching/waiting/", "waiting"),
        ("/coordinator/matching/settings/", "matching_settings"),
        ("/coordinator/messages/new/", "new_message"),
    ):
        lea.page.goto(stack.url(LYON, path))
        checks.check(lea, name)


def test_each_student_sees_the_buddy_and_both_emails_arrived(story, stack):
    assert story.pairs, "no pair was confirmed"
    for incoming, buddy in story.pairs:
        student, local = story.people[incoming], story.people[buddy]
        assert buddy in pages.account_status(student, stack, LYON)
        assert incoming in pages.account_status(local, stack, LYON)
        # each gets the other's name in their own language
        for to, other in ((incoming, buddy), (buddy, incoming)):
            language = {**INCOMING, **BUDDIES}[to][3]["language"]
            subject = in_language(language, "Meet your buddy: %(name)s")
            subject %= {"name": other.split()[0]}
            emails = stack.wait_for_email(story.people[to].email, containing=other)
            assert subject in [str(m["Subject"]) for m in emails], (to, subject)


def test_a_student_leaves_and_the_buddy_is_told(story, stack, checks):
    leaving = "Lena Weber"
    buddy = dict(story.pairs)[leaving]
    lena, local = story.people[leaving], story.people[buddy]
    first_name = leaving.split()[0]  # the email names her by her first name
    before = len(stack.wait_for_email(local.email, containing=first_name))  # the pair's email
    pages.ask_to_leave(lena, stack, LYON)
    checks.check(lena, "leave")
    pages.confirm_leaving(lena)
    told = stack.wait_for_email(local.email, containing=first_name, count=before + 1)
    language = BUDDIES[buddy][3]["language"]
    assert in_language(language, "Your buddy pair has ended") in [str(m["Subject"]) for m in told]
    assert leaving not in pages.account_status(local, stack, LYON).split(local.t("My profile"))[0]


def test_a_student_downloads_their_data_and_deletes_the_account(story, stack, checks):
    kenji = story.people["Kenji Sato"]
    data = json.loads(pages.download_data(kenji, stack, LYON))
    assert data["account"]["email"] == kenji.email
    assert len(data["pairs"]) == 1, data["pairs"]  # the buddy's own data is the buddy's
    kenji.page.goto(stack.url(LYON, "/account/delete/"))
    checks.check(kenji, "delete_account")
    pages.delete_account(kenji, stack, LYON)
    kenji.page.goto(stack.url(LYON, "/accounts/login/"))
    pages.field(kenji, "Email").fill(kenji.email)
    pages.field(kenji, "Password").fill(kenji.password)
    kenji.page.locator("main").get_by_role("button", name=kenji.t("Log in")).click()
    expect(kenji.page).to_have_url(re.compile("/accounts/login/"))


def test_a_student_of_another_section_reaches_none_of_it(story, stack):
    sara, ana = story.people["Sara Ricci"], story.people["Ana García"]
    page = sara.page
    private = ["/account/", "/account/export/", "/coordinator/", "/coordinator/students/"]
    private += ["/coordinator/matching/pairs/", "/coordinator/matching/runs/1/"]
    private += ["/coordinator/students/1/", "/coordinator/export/"]
    for path in private:
        page.goto(stack.url(LYON, path))
        assert "/accounts/login/" in page.url, f"{path} on Lyon let a Nantes student in"
    # her Nantes session cookie replayed on Lyon's host is nobody there
    nantes_cookies = [c for c in sara.context.cookies() if c["domain"].startswith("nantes.")]
    sara.context.add_cookies([{**c, "domain": "lyon.localhost"} for c in nantes_cookies])
    for path in private:
        page.goto(stack.url(LYON, path))
        assert "/accounts/login/" in page.url, f"{path} took Sara's Nantes session"
    # her password does not open Lyon, and Lyon's emailed links are not hers to use on Nantes
    page.goto(stack.url(LYON, "/accounts/login/"))
    pages.field(sara, "Email").fill(sara.email)
    pages.field(sara, "Password").fill(sara.password)
    page.locator("main").get_by_role("button", name=sara.t("Log in")).click()
    expect(page).to_have_url(re.compile("/accounts/login/"))
    lyon_link = pages.link_in_email(stack, ana.email, "/verify/")
    page.goto(lyon_link.replace("//lyon.", "//nantes."))
    expect(page.locator("main")).not_to_contain_text("Ana")
    assert "Ana" not in page.content()


def test_no_server_error_in_the_logs(stack):
    assert stack.logs_with_errors() == []


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", MAIN_PAGES)
def test_every_label_belongs_to_its_input(checks, name, width):
    report = checks.report(name, width)
    assert not report.labels, f"{report.url} ({report.screenshot}):\n" + "\n".join(report.labels)


@pytest.mark.parametrize("name", MAIN_PAGES)
def test_no_horizontal_scroll_at_375_px(checks, name):
    report = checks.report(name, 375)
    assert not report.overflow, f"{report.url} ({report.screenshot}): {report.overflow}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", MAIN_PAGES)
def test_no_serious_accessibility_violation(checks, name, width):
    report = checks.report(name, width)
    assert not report.axe, f"{report.url} ({report.screenshot}):\n" + "\n".join(report.axe)
