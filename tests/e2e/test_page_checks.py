"""The page checks themselves, on pages made for them: a label check that let a desktop layout
put inputs beside the wrong labels would prove nothing about ours."""

import pytest

from e2e.browser import LABEL_CHECK, OVERFLOW_CHECK

STACKED = """<form style="display:flex;flex-direction:column;align-items:start">
  <label for="first">First name</label><input id="first">
  <label for="last">Last name</label><input id="last">
</form>"""
# labels on the left, inputs on the right, as a grid of two columns should be
BESIDE = """<form style="display:grid;grid-template-columns:10rem 15rem;gap:.5rem">
  <label for="first">First name</label><input id="first">
  <label for="last">Last name</label><input id="last">
</form>"""
# the bug of issue 11: each input one row off, beside the next field's label
SHIFTED = """<form style="display:grid;grid-template-columns:10rem 15rem;gap:.5rem">
  <label for="first" style="grid-row:1">First name</label>
  <input id="last" style="grid-row:1;grid-column:2">
  <label for="last" style="grid-row:2">Last name</label>
  <input id="first" style="grid-row:2;grid-column:2">
</form>"""
# two forms of a page whose inputs share an id: the second label names the first input
TWINS = """<form><label for="id_name">Name</label><input id="id_name"></form>
<form><label for="id_name">Name</label><input id="id_name"></form>"""
CHECKBOX = """<form><input type="checkbox" id="agree"><label for="agree">I agree</label></form>"""


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 375, "height": 800})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("html", [STACKED, BESIDE, CHECKBOX])
def test_a_label_next_to_or_above_its_own_input_passes(page, html):
    page.set_content(f"<main>{html}</main>")
    assert page.evaluate(LABEL_CHECK) == []


def test_inputs_beside_the_wrong_labels_are_found(page):
    page.set_content(f"<main>{SHIFTED}</main>")
    problems = page.evaluate(LABEL_CHECK)
    assert len(problems) == 2 and all("is not next to or above" in p for p in problems), problems


def test_two_labels_for_one_id_are_found(page):
    page.set_content(f"<main>{TWINS}</main>")
    problems = page.evaluate(LABEL_CHECK)
    assert any("2 labels point at #id_name" in p for p in problems), problems
    assert any("is not next to or above" in p for p in problems), problems


def test_a_page_wider_than_the_window_is_found(page):
    page.set_content('<main><table style="width:600px"><tr><td>x</td></tr></table></main>')
    found = page.evaluate(OVERFLOW_CHECK)
    assert found["scroll"] > found["width"] == 375 and found["wide"] == ["table"]
    page.set_content("<main><p>short</p></main>")
    found = page.evaluate(OVERFLOW_CHECK)
    assert found["scroll"] <= found["width"]
