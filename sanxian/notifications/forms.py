from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sanxian.notifications.models import PREFERENCE_KINDS, EmailMode, Kind, RobotKind

# Where each service's group robots live: an address elsewhere is refused, so that a robot
# cannot be pointed at a server inside the network.
ROBOT_URL_PREFIXES = {
    RobotKind.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=",
    RobotKind.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=",
}


class PreferencesForm(forms.Form):
    """One choice per kind: no e-mail, e-mail at once, or the daily digest."""

    def __init__(self, *args: Any, initial_modes: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in PREFERENCE_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=Kind(kind).label,
                choices=EmailMode.choices,
                widget=forms.RadioSelect,
                initial=initial_modes.get(kind),
            )

    def modes(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in PREFERENCE_KINDS}


class RobotForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=RobotKind.choices)
    name = forms.CharField(label=_("Name"), max_length=50)
    url = forms.CharField(
        label=_("Webhook address"),
        max_length=500,
        help_text=_("Copied from the group robot's settings in the app."),
    )
    secret = forms.CharField(
        label=_("Signing secret (DingTalk, optional)"),
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Starts with SEC; only for DingTalk robots with signing switched on."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind, url = data.get("kind"), (data.get("url") or "").strip()
        if kind and url:
            prefix = ROBOT_URL_PREFIXES[RobotKind(kind)]
            if (
                not url.startswith(prefix)
                or len(url) <= len(prefix)
                or any(c.isspace() for c in url)
            ):
                self.add_error("url", _("This is not the address of such a group robot."))
        if kind == RobotKind.WECOM and (data.get("secret") or "").strip():
            self.add_error("secret", _("WeChat Work group robots have no signing secret."))
        return data
