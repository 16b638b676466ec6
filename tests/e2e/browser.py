"""Debian's Chromium driven by Playwright, one browser context per person (their own cookies,
browser language and window width), and the checks every main page gets at 1280 and 375 px:
each label sits next to or above its own input, no horizontal scroll at 375 px, no serious or
critical axe-core violation; a full-page screenshot of each width is kept."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django.utils import translation
from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTHS = (1280, 375)
HEIGHT = {1280: 900, 375: 812}
SERIOUS = ("serious", "critical")

# For every visible `label[for]`: is its own input the one a reader pairs with it? The label
# wraps it; or it is above it (overlapping horizontally, below the label, help text allowed in
# between) with no other input in between; or beside it (overlapping vertically) with no other
# input in between. Two labels pointing at one id are a problem too.
LABEL_CHECK = """() => {
  const visible = (e) => { const r = e.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
  const box = (e) => e.getBoundingClientRect();
  const hOverlap = (a, b) => a.left < b.right && b.left < a.right;
  const vOverlap = (a, b) => a.top < b.bottom && b.top < a.bottom;
  const below = (l, i) => hOverlap(l, i) && i.top >= l.bottom - 4;
  const beside = (l, i) => vOverlap(l, i);
  const hGap = (l, i) => Math.max(0, l.left - i.right, i.left - l.right);
  const controls = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
    .filter(visible);
  const at = (r) => `${Math.round(r.left)},${Math.round(r.top)}`;
  const problems = [];
  for (const label of document.querySelectorAll('label[for]')) {
    if (!visible(label)) continue;
    const text = label.innerText.trim().replace(/\\s+/g, ' ').slice(0, 60);
    const own = document.getElementById(label.htmlFor);
    if (!own || !visible(own)) {
      problems.push(`"${text}": no visible input #${label.htmlFor}`);
      continue;
    }
    const twins = document.querySelectorAll(`label[for="${CSS.escape(label.htmlFor)}"]`).length;
    if (twins > 1) problems.push(`"${text}": ${twins} labels point at #${label.htmlFor}`);
    if (label.contains(own)) continue;
    const l = box(label), i = box(own);
    const others = controls.filter(c => c !== own && !label.contains(c)).map(box);
    const isAbove = below(l, i) && !others.some(c => below(l, c) && c.top < i.top - 1);
    const isBeside = beside(l, i) && !others.some(c => beside(l, c) && hGap(l, c) < hGap(l, i)
      && Math.sign(c.left - l.left) === Math.sign(i.left - l.left));
    if (!isAbove && !isBeside)
      problems.push(`"${text}" is not next to or above its input #${label.htmlFor} ` +
        `(label at ${at(l)}, input at ${at(i)})`);
  }
  return problems;
}"""

OVERFLOW_CHECK = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .filter(e => !e.parentElement || e.parentElement.getBoundingClientRect().right <= width + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


def in_language(language: str, text: str) -> str:
    """`text` as our catalogue says it in `language`."""
    with translation.override(language):
        return translation.gettext(text)


@dataclass
class PageReport:
    """What the checks found on one main page at one width."""

    url: str
    screenshot: Path
    labels: list[str]
    overflow: str
    axe: list[str]


@dataclass
class Person:
    """Someone with a browser of their own: `person.page` is their tab."""

    name: str
    email: str
    password: str
    context: BrowserContext
    page: Page
    width: int

    def t(self, text: str) -> str:
        """`text` in the language of the page they are looking at (its `<html lang>`)."""
        return in_language(self.page_language(), text)

    def tn(self, singular: str, plural: str, count: int, name: str = "count") -> str:
        """A plural text, its `%(count)s` filled in, in the page's language."""
        with translation.override(self.page_language()):
            return translation.ngettext(singular, plural, count) % {name: count}

    def page_language(self) -> str:
        return (self.page.locator("html").get_attribute("lang") or "en")[:2]

    def label(self, *texts: str) -> re.Pattern:
        """A pattern matching any of `texts` as the page's language says them."""
        return re.compile("|".join(re.escape(self.t(text)) for text in texts), re.IGNORECASE)


@dataclass
class Checks:
    """The page checks, one report per (page name, width), and the screenshots' folder."""

    folder: Path
    axe: Axe = field(default_factory=Axe)
    reports: dict[tuple[str, int], PageReport] = field(default_factory=dict)

    def report(self, name: str, width: int) -> PageReport:
        if (name, width) not in self.reports:
            raise AssertionError(f"the story did not reach the page {name!r} (a step failed)")
        return self.reports[(name, width)]

    def check(self, person: Person, name: str) -> None:
        """Check the page `person` is looking at, at each width, then give the width back."""
        page = person.page
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": HEIGHT[width]})
            page.wait_for_timeout(150)  # let the layout settle at the new width
            shot = self.folder / f"{name}-{width}.png"
            page.screenshot(path=shot, full_page=True)
            overflow = ""
            if width == 375:
                found = page.evaluate(OVERFLOW_CHECK)
                if found["scroll"] > found["width"]:
                    overflow = (
                        f"page is {found['scroll']} px wide in a {found['width']} px window"
                        f" (wider: {', '.join(found['wide'])})"
                    )
            violations = self.axe.run(page).response["violations"]
            self.reports[(name, width)] = PageReport(
                url=page.url,
                screenshot=shot,
                labels=page.evaluate(LABEL_CHECK),
                overflow=overflow,
                axe=[
                    f"{v['id']} ({v['impact']}): {v['help']} — "
                    + "; ".join(node["target"][0] for node in v["nodes"][:3])
                    for v in violations
                    if v["impact"] in SERIOUS
                ],
            )
        page.set_viewport_size({"width": person.width, "height": HEIGHT.get(person.width, 900)})


def new_person(
    browser: Browser, name: str, email: str, *, locale: str = "en-GB", width: int = 1280
) -> Person:
    """A new browser context: its own cookies, `Accept-Language` from `locale`."""
    context = browser.new_context(
        locale=locale,
        viewport={"width": width, "height": HEIGHT.get(width, 900)},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    return Person(name, email, f"{name.lower()}-e2e-password-2026", context, page, width)
