from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("What will use it"),
        max_length=60,
        help_text=_("For example “小程序” or “12345 工单系统”, so that you can tell tokens apart."),
    )
