"""The project's select (templates/django/forms/widgets/select.html) writes its options itself instead of
including Django's option template once per option: the markup must stay Django's, byte for byte, for
every kind of select the forms use."""
from __future__ import annotations

from django import forms
from django.forms.renderers import DjangoTemplates, TemplatesSetting


class EveryKind(forms.Form):
    plain = forms.ChoiceField(choices=[("", "— Chọn đơn vị —"), (1, "Công đoàn & <Dệt may> \"Đồng Nai\"")],
                              initial=1)
    grouped = forms.ChoiceField(choices=[("Tỉnh", [(2, "Bắc Ninh"), (3, "Hà Nội")]), (4, "Khác")], initial=3)
    several = forms.MultipleChoiceField(choices=[(1, "Một"), (2, "Hai"), (3, "Ba")], initial=[1, 3])
    attrs = forms.ChoiceField(choices=[(1, "x")], widget=forms.Select(attrs={"data-autosubmit": True,
                                                                             "aria-label": "Đơn vị"}))
    yes_no = forms.NullBooleanField()
    radio = forms.ChoiceField(choices=[(1, "a"), (2, "b")], widget=forms.RadioSelect)


def test_the_select_writes_django_s_own_markup(settings):
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    ours = EveryKind(renderer=TemplatesSetting()).as_div()
    djangos = EveryKind(renderer=DjangoTemplates()).as_div()  # Django's templates alone

    assert ours == djangos
    assert '<option value="1" selected>Công đoàn &amp; &lt;Dệt may&gt; &quot;Đồng Nai&quot;</option>' in ours
    assert '<optgroup label="Tỉnh">' in ours and '<option value="3" selected>Hà Nội</option>' in ours


def test_a_bound_form_s_choice_is_selected_as_django_selects_it():
    data = {"plain": "", "grouped": "4", "several": ["2"], "attrs": "1", "yes_no": "true", "radio": "2"}
    assert EveryKind(data, renderer=TemplatesSetting()).as_div() == EveryKind(data, renderer=DjangoTemplates()).as_div()
