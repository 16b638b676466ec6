"""Selects render their options through core.templatetags.widgets (for speed): the same
options Django's own template gives, escaped, with the chosen one selected."""

from django import forms

from core.models import Profile


class Choice(forms.Form):
    nationality = forms.ChoiceField(
        choices=[("", "---"), ("FR", "France"), ("XX", '<script>"Evil" & co</script>')]
    )
    role = forms.ChoiceField(
        choices=[("Grouped", [("incoming", "Incoming"), ("buddy", "Local buddy")])]
    )
    gender = forms.TypedChoiceField(choices=Profile.Gender.choices, coerce=str)


def test_options_are_escaped_and_the_chosen_one_is_selected():
    html = str(Choice(initial={"nationality": "FR", "role": "buddy"})["nationality"])
    assert '<option value="FR" selected>France</option>' in html
    assert '<option value="">---</option>' in html
    assert "&lt;script&gt;&quot;Evil&quot; &amp; co&lt;/script&gt;" in html
    assert "<script>" not in html
    assert html.startswith('<select name="nationality"') and html.rstrip().endswith("</select>")


def test_groups_and_a_bound_value():
    form = Choice(data={"nationality": "XX", "role": "buddy", "gender": "woman"})
    role = str(form["role"])
    assert '<optgroup label="Grouped">' in role and "</optgroup>" in role
    assert '<option value="buddy" selected>Local buddy</option>' in role
    assert '<option value="incoming">Incoming</option>' in role
    assert str(form["nationality"]).count(" selected") == 1
    assert '<option value="woman" selected>' in str(form["gender"])
