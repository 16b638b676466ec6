"""One helper per page of the story, finding fields by their label and buttons and links by
their role and name, in the language the page is shown in (`Person.t`): the only place that
knows how a page is laid out."""

import datetime
import re
import time
from dataclasses import dataclass

from playwright.sync_api import Locator, expect

from e2e.browser import Person
from e2e.stack import ADMIN_EMAIL, ADMIN_PASSWORD, Stack, body

LINK = re.compile(r"https?://\S+")


def exactly(person: Person, text: str) -> re.Pattern:
    """A label or name that is `text` (in the page's language), give or take case and ' :'."""
    return re.compile(rf"^\s*{re.escape(person.t(text))}\s*:?\s*\*?\s*$", re.IGNORECASE)


def field(person: Person, text: str, within: Locator | None = None) -> Locator:
    return (within or person.page).get_by_label(exactly(person, text))


def button(person: Person, text: str, within: Locator | None = None) -> Locator:
    return (within or person.page).get_by_role("button", name=person.t(text))


def link_in_email(stack: Stack, to: str, path_part: str) -> str:
    """The first link containing `path_part` in an email to `to`, waiting for it."""
    deadline = time.monotonic() + 30
    while True:
        for message in stack.emails(to):
            for url in LINK.findall(body(message)):
                if path_part in url:
                    return url
        if time.monotonic() > deadline:
            raise AssertionError(f"no email to {to} with a {path_part} link")
        time.sleep(0.3)


def iso(days_from_today: int) -> str:
    return (datetime.date.today() + datetime.timedelta(days=days_from_today)).isoformat()


# --- root domain: the platform admin -------------------------------------------------------


def admin_log_in(person: Person, stack: Stack) -> None:
    page = person.page
    page.goto(stack.url("", "/admin/"))
    page.get_by_label(re.compile("Email", re.I)).fill(ADMIN_EMAIL)
    page.get_by_label(re.compile("Password", re.I)).fill(ADMIN_PASSWORD)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()


def admin_onboard_section(
    person: Person, stack: Stack, slug: str, name: str, city: str, coordinator: str, language: str
) -> None:
    page = person.page
    page.goto(stack.url("", "/admin/tenants/section/add/"))
    page.get_by_label("Slug").fill(slug)
    page.get_by_label(re.compile("^Name:?$")).fill(name)
    page.get_by_label("City").fill(city)
    page.get_by_label("Country").select_option("FR")
    page.get_by_label("Default language").select_option(language)
    page.get_by_label("Coordinator email").fill(coordinator)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist, .errornote").first).to_contain_text(name)


# --- a section's portal --------------------------------------------------------------------


def set_password_from_invitation(person: Person, stack: Stack) -> None:
    person.page.goto(link_in_email(stack, person.email, "/accounts/set-password/"))
    field(person, "New password").fill(person.password)
    field(person, "New password confirmation").fill(person.password)
    person.page.locator("main").get_by_role("button").click()


def log_in(person: Person, stack: Stack, slug: str) -> None:
    page = person.page
    page.goto(stack.url(slug, "/accounts/login/"))
    field(person, "Email").fill(person.email)
    field(person, "Password").fill(person.password)
    page.locator("main").get_by_role("button", name=person.t("Log in")).click()
    expect(page).not_to_have_url(re.compile("/accounts/login/"))


def register(person: Person, stack: Stack, slug: str, role: str, profile: dict) -> None:
    """Fill in the registration form of `role` ("incoming" or "buddy") and send it."""
    page = person.page
    page.goto(stack.url(slug, "/register/"))
    choice = (
        "Register as an incoming student" if role == "incoming" else "Register as a local buddy"
    )
    page.get_by_role("link", name=person.t(choice)).click()
    first, last = person.name.split(" ", 1)
    field(person, "First name").fill(first)
    field(person, "Last name").fill(last)
    field(person, "Email").fill(person.email)
    field(person, "Password").fill(person.password)
    field(person, "birth date").fill(profile["born"])
    field(person, "gender").select_option(label=person.t(profile["gender"]))
    field(person, "nationality").select_option(profile["nationality"])
    field(person, "language for emails").select_option(profile["language"])
    field(person, "place of study").select_option(label=profile["place"])
    field(person, "faculty or field of study").fill(profile["faculty"])
    field(person, "study level").select_option(label=person.t("Master"))
    if role == "incoming":
        field(person, "home university").fill(profile.get("home", "Universidad de Granada"))
        field(person, "arrival date").fill(iso(10))
        field(person, "departure date").fill(iso(150))
    else:
        field(person, "available from").fill(iso(0))
        field(person, "available until").fill(iso(200))
        field(person, "how many incoming students I can take").fill(str(profile["capacity"]))
    spoken = page.get_by_role("group", name=person.t("Languages you speak"))
    field(person, "Language", spoken).first.select_option(profile["speaks"])
    for hobby in profile["hobbies"]:
        page.get_by_label(hobby, exact=True).check()
    consent = "I have read the privacy notice and agree that my profile is used to find me a buddy."
    page.get_by_label(person.t(consent)).check()
    button(person, "Create my account").click()
    expect(page.get_by_role("alert")).to_have_count(0)


def verify_from_email(person: Person, stack: Stack) -> None:
    person.page.goto(link_in_email(stack, person.email, "/verify/"))


def account_status(person: Person, stack: Stack, slug: str) -> str:
    person.page.goto(stack.url(slug, "/account/"))
    return person.page.locator("main").inner_text()


def ask_to_leave(person: Person, stack: Stack, slug: str) -> None:
    """Click "Leave the programme" on the account page: the page that asks first opens."""
    person.page.goto(stack.url(slug, "/account/"))
    button(person, "Leave the programme").click()
    expect(person.page.get_by_role("heading", level=1)).to_have_text(
        person.t("Leave the programme?")
    )


def confirm_leaving(person: Person) -> None:
    button(person, "Yes, leave the programme").click()
    expect(person.page.get_by_role("button", name=person.t("Rejoin the programme"))).to_be_visible()


def download_data(person: Person, stack: Stack, slug: str) -> bytes:
    page = person.page
    page.goto(stack.url(slug, "/account/"))
    with page.expect_download() as download:
        page.get_by_role("link", name=person.t("Download my data (JSON)")).click()
    return download.value.path().read_bytes()


def delete_account(person: Person, stack: Stack, slug: str) -> None:
    page = person.page
    page.goto(stack.url(slug, "/account/"))
    page.get_by_role("link", name=person.t("Delete my account")).click()
    field(person, "Your password").fill(person.password)
    page.locator("main").get_by_role("button").last.click()


# --- coordinator pages ---------------------------------------------------------------------


def coordinator_settings(person: Person, stack: Stack, slug: str) -> None:
    person.page.goto(stack.url(slug, "/coordinator/settings/"))


def add_to_catalogue(person: Person, stack: Stack, slug: str, heading: str, name: str) -> None:
    """Add a place of study (heading "Places of study") or a hobby ("Hobbies and interests")."""
    page = person.page
    coordinator_settings(person, stack, slug)
    part = page.locator("section").filter(has=page.get_by_role("heading", name=person.t(heading)))
    # by role, not label: both forms' inputs are `#id_name`, so their labels name the first
    part.get_by_role("textbox").fill(name)
    button(person, "Add", part).click()
    coordinator_settings(person, stack, slug)
    expect(page.locator("main")).to_contain_text(name)


def save_programme_settings(person: Person, stack: Stack, slug: str, notice: str) -> None:
    page = person.page
    coordinator_settings(person, stack, slug)
    for language in ("en", "fr"):  # one welcome text per offered language
        welcome = page.locator(f"textarea[name=welcome_{language}]")
        if welcome.count():
            welcome.fill(f"Welcome to the buddy programme ({language}).")
    if page.locator("textarea[name^=welcome]").count():
        button(person, "Save the branding").click()
    field(person, "registration opens on").fill(iso(-1))
    field(person, "registration closes on").fill(iso(90))
    notices = page.get_by_label(re.compile(re.escape(person.t("privacy notice")), re.I))
    for index in range(notices.count()):
        if notices.nth(index).evaluate("e => e.tagName") == "TEXTAREA":
            notices.nth(index).fill(notice)
    checkbox = field(person, "registration open")
    if checkbox.count():
        checkbox.check()
    button(person, "Save the programme settings").click()
    expect(page.get_by_role("alert")).to_have_count(0)


def dashboard(person: Person, stack: Stack, slug: str) -> None:
    person.page.goto(stack.url(slug, "/coordinator/"))


def checklist(person: Person) -> Locator:
    """The setup checklist of the dashboard, found by its heading; gone once all is done."""
    heading = person.page.get_by_role("heading", name=person.t("Set up your programme"))
    return person.page.locator("section").filter(has=heading)


def steps_to_do(person: Person) -> list[str]:
    """The checklist's steps not marked done."""
    done = person.t("done")
    return [
        step
        for step in checklist(person).get_by_role("listitem").all_inner_texts()
        if done not in step
    ]


def start_match_run(person: Person, stack: Stack, slug: str) -> bool:
    """Start a run and watch it (the page refreshes itself while it runs) until it is done;
    True when its progress bar was shown."""
    page = person.page
    page.goto(stack.url(slug, "/coordinator/matching/"))
    button(person, "Find buddies for the waiting students").click()
    page.wait_for_load_state()
    seen_progress = page.locator("progress").count() > 0
    review = page.get_by_role("link", name=person.t("Review the proposals"))
    expect(review).to_be_visible(timeout=60_000)
    return seen_progress


def open_review(person: Person, stack: Stack, slug: str) -> None:
    page = person.page
    page.goto(stack.url(slug, "/coordinator/matching/"))
    page.get_by_role("link", name=person.t("Review the proposals")).click()


def proposals(person: Person) -> Locator:
    """The proposals of the review page: one selectable row (checkbox) each."""
    return person.page.locator("main form[method=post]").get_by_role("checkbox")


def reject_selected(person: Person) -> None:
    button(person, "Reject selected").click()
    expect(person.page.get_by_role("heading", level=1)).to_have_text(person.t("Proposals"))


def confirm_all(person: Person, count: int) -> tuple[str, bool]:
    """Confirm every proposal still to decide: the button says how many, the page that asks
    first says how many pairs and emails (its text is returned), then the confirmation runs as
    a task whose progress the review page shows (True when it was seen in progress)."""
    page = person.page
    ask = (
        "Confirm the %(count)s proposal to decide…",
        "Confirm all %(count)s proposals to decide…",
    )
    page.get_by_role("button", name=person.tn(*ask, count)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(person.t("Are you sure?"))
    question = page.locator("main").inner_text()
    yes = ("Yes, confirm %(count)s pair", "Yes, confirm %(count)s pairs")
    page.get_by_role("button", name=person.tn(*yes, count)).click()
    page.wait_for_load_state()
    done = person.tn(
        "Last confirmation: %(done)s pair confirmed",
        "Last confirmation: %(done)s pairs confirmed",
        count,
        "done",
    )
    seen_in_progress = page.locator("progress").count() > 0
    # the review page refreshes itself while the confirmation runs
    expect(page.get_by_role("status").filter(has_text=done)).to_be_visible(timeout=60_000)
    return question, seen_in_progress


@dataclass
class ProposalRow:
    incoming: str
    buddy: str
    score: float | None
    text: str  # everything the row says, its breakdown on demand included


# The review table's rows that can still be decided (a checkbox each): their text, the
# breakdown on demand included, and the text of the cell under the column headed "Score".
PROPOSAL_ROWS = """(scoreWord) =>
  [...document.querySelectorAll('main table input[type=checkbox][name=proposal]')].map(box => {
    const row = box.closest('tr');
    const heads = [...row.closest('table').querySelectorAll('thead th')]
      .map(th => th.textContent.trim().toLowerCase());
    const column = heads.indexOf(scoreWord.toLowerCase());
    const score = column >= 0 ? row.children[column].textContent : '';
    return {text: row.textContent.replace(/\\s+/g, ' ').trim(), score};
  })"""


def proposal_rows(person: Person, incoming: dict, buddies: dict) -> list[ProposalRow]:
    """The proposals still to decide, with which of the story's students each pairs."""
    rows = []
    for row in person.page.evaluate(PROPOSAL_ROWS, person.t("Score")):
        score = re.search(r"\d+(?:[.,]\d+)?", row["score"])
        rows.append(
            ProposalRow(
                incoming=next((n for n in incoming if n in row["text"]), "?"),
                buddy=next((n for n in buddies if n in row["text"]), "?"),
                score=float(score.group().replace(",", ".")) if score else None,
                text=row["text"],
            )
        )
    return rows


def select_proposal(person: Person, row: ProposalRow) -> None:
    rows = person.page.locator("main tr, main li, main .card")
    rows.filter(has_text=row.incoming).filter(has_text=row.buddy).get_by_role(
        "checkbox"
    ).first.check()
