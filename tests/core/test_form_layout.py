"""One form-rendering convention (core/templates/django/forms/field.html): every field's label,
help, errors and input sit in one box of their own, so that no layout can put a label beside
another field's input. Checked on the pages whose forms are built from fieldsets."""

from html.parser import HTMLParser

import pytest

from clients import section_client
from factories import ProfileFactory

pytestmark = pytest.mark.django_db

VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}


class FieldBoxes(HTMLParser):
    """For each label[for] and each input id: the `.field` box that holds it (None if none)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[int | None] = []  # for each open element, the box it opened
        self.boxes = 0
        self.label_box: dict[str, int | None] = {}
        self.input_box: dict[str, int | None] = {}

    def current(self) -> int | None:
        return next((box for box in reversed(self.stack) if box is not None), None)

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "label" and attrs.get("for"):
            assert attrs["for"] not in self.label_box, f"two labels for #{attrs['for']}"
            self.label_box[attrs["for"]] = self.current()
        is_input = tag in ("input", "select", "textarea") and attrs.get("type") != "hidden"
        if is_input and attrs.get("id"):
            self.input_box[attrs["id"]] = self.current()
        if tag in VOID:
            return
        opens_box = tag == "div" and "field" in (attrs.get("class") or "").split()
        if opens_box:
            self.boxes += 1
        self.stack.append(self.boxes if opens_box else None)

    def handle_endtag(self, tag) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()


def boxes_of(html: str) -> FieldBoxes:
    """The boxes of the page's content (the header's language switcher is not a form field)."""
    parser = FieldBoxes()
    parser.feed("<main" + html.split("<main", 1)[1])
    return parser


@pytest.fixture
def pages(lille, in_section, coordinator_user):
    with in_section(lille):
        student = ProfileFactory()
    return {
        "visitor": ["/register/incoming/", "/register/buddy/", "/accounts/login/"],
        "student": ["/account/edit/"],
        "coordinator": [
            "/coordinator/messages/new/",
            "/coordinator/matching/settings/",
            "/coordinator/settings/",
            "/coordinator/events/new/",
            "/coordinator/import/",
        ],
        "users": {"visitor": None, "student": student.user, "coordinator": coordinator_user},
    }


def test_every_label_is_in_the_box_of_its_own_input(pages, lille):
    checked = 0
    for who in ("visitor", "student", "coordinator"):
        client = section_client(lille, pages["users"][who])
        for path in pages[who]:
            response = client.get(path)
            assert response.status_code == 200, path
            found = boxes_of(response.content.decode())
            assert found.label_box, f"{path}: no label"
            for target, box in found.label_box.items():
                assert target in found.input_box, f"{path}: label for a missing #{target}"
                assert box is not None, f"{path}: the label for #{target} is in no field box"
                assert found.input_box[target] == box, f"{path}: #{target} is not in its box"
                checked += 1
    assert checked > 50


def test_a_lone_checkbox_is_followed_by_its_label_without_a_colon(coordinator):
    page = coordinator.get("/coordinator/settings/").text
    box = page.split('name="registration_open"', 1)[1].split("</div>", 1)[0]
    assert '<label for="id_registration_open">Registration open</label>' in box
