"""Form markup written in Python: the issue page renders a dozen forms (a hundred fields)
at each stage, and Django's form templates (one template per field, label, error list and
widget) cost more than the rest of the page. ``StringRenderer`` writes the markup of those
templates as plain strings, byte for byte what the templates give up to whitespace, and
hands any other template to Django's template engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, escape

Context = Mapping[str, Any]


def _attrs(attrs: Mapping[str, Any] | None) -> str:
    """``django/forms/attrs.html``: ``False`` leaves an attribute out, ``True`` writes its
    name alone."""
    if not attrs:
        return ""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            out.append(f" {escape(name)}")
        else:
            out.append(f' {escape(name)}="{conditional_escape(str(value))}"')
    return "".join(out)


def _form(ctx: Context) -> str:
    """``django/forms/div.html``."""
    errors, fields, hidden = ctx["errors"], ctx["fields"], ctx["hidden_fields"]
    out = [str(errors)]
    if errors and not fields:
        out.append("<div>" + "".join(str(h) for h in hidden) + "</div>")
    last = len(fields) - 1
    for index, (field, _errors) in enumerate(fields):
        classes = field.css_classes()
        out.append(f'<div class="{escape(classes)}">' if classes else "<div>")
        out.append(field.as_field_group())
        if index == last:
            out.extend(str(h) for h in hidden)
        out.append("</div>")
    if not fields and not errors:
        out.extend(str(h) for h in hidden)
    return "\n".join(out)


def _field(ctx: Context) -> str:
    """``django/forms/field.html``."""
    field = ctx["field"]
    out = []
    if field.use_fieldset:
        described = field.aria_describedby
        out.append(
            f'<fieldset aria-describedby="{escape(described)}">' if described else "<fieldset>"
        )
        if field.label:
            out.append(field.legend_tag())
    elif field.label:
        out.append(field.label_tag())
    if field.help_text:
        id_attr = f' id="{escape(field.auto_id)}_helptext"' if field.auto_id else ""
        out.append(f'<div class="helptext"{id_attr}>{field.help_text}</div>')
    out.append(str(field.errors))
    out.append(str(field) + ("</fieldset>" if field.use_fieldset else ""))
    return "\n".join(out)


def _label(ctx: Context) -> str:
    """``django/forms/label.html``."""
    label = conditional_escape(ctx["label"])
    if not ctx["use_tag"]:
        return str(label)
    tag = ctx["tag"]
    return f"<{tag}{_attrs(ctx['attrs'])}>{label}</{tag}>"


def _errors(ctx: Context) -> str:
    """``django/forms/errors/list/ul.html``."""
    errors = ctx["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{escape(ctx["error_class"])}"{id_attr}>{items}</ul>'


def _value_attr(value: Any) -> str:
    return "" if value is None else f' value="{conditional_escape(str(value))}"'


def _input(ctx: Context) -> str:
    """``django/forms/widgets/input.html`` (text, number, date, hidden, file, ...)."""
    w = ctx["widget"]
    return (
        f'<input type="{escape(w["type"])}" name="{escape(w["name"])}"'
        f"{_value_attr(w['value'])}{_attrs(w['attrs'])}>"
    )


def _file(ctx: Context) -> str | None:
    """``django/forms/widgets/clearable_file_input.html`` without a current file (with
    one, the template writes it)."""
    w = ctx["widget"]
    if w.get("is_initial"):
        return None
    return f'<input type="{escape(w["type"])}" name="{escape(w["name"])}"{_attrs(w["attrs"])}>'


def _textarea(ctx: Context) -> str:
    w = ctx["widget"]
    value = conditional_escape(w["value"]) if w["value"] else ""
    return f'<textarea name="{escape(w["name"])}"{_attrs(w["attrs"])}>\n{value}</textarea>'


def _select(ctx: Context) -> str:
    """``django/forms/widgets/select.html`` with its options."""
    w = ctx["widget"]
    out = [f'<select name="{escape(w["name"])}"{_attrs(w["attrs"])}>']
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            out.append(f'<optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            out.append(
                f"<option{_value_attr(option['value'])}{_attrs(option['attrs'])}>"
                f"{conditional_escape(option['label'])}</option>"
            )
        if group_name:
            out.append("</optgroup>")
    out.append("</select>")
    return "\n".join(out)


def _choices(ctx: Context) -> str:
    """``django/forms/widgets/multiple_input.html`` (radio buttons and checkboxes)."""
    w = ctx["widget"]
    id_ = w["attrs"].get("id")
    css = w["attrs"].get("class")
    head = "<div"
    if id_:
        head += f' id="{escape(id_)}"'
    if css:
        head += f' class="{escape(css)}"'
    out = [head + ">"]
    for group, options, _index in w["optgroups"]:
        if group:
            out.append(f"<div><label>{conditional_escape(group)}</label>")
        for option in options:
            box = (
                f'<input type="{escape(option["type"])}" name="{escape(option["name"])}"'
                f"{_value_attr(option['value'])}{_attrs(option['attrs'])}>"
            )
            if option.get("wrap_label"):
                option_id = option["attrs"].get("id")
                for_attr = f' for="{escape(option_id)}"' if option_id else ""
                box = f"<label{for_attr}>{box} {conditional_escape(option['label'])}</label>"
            out.append(f"<div>{box}</div>")
        if group:
            out.append("</div>")
    out.append("</div>")
    return "".join(out)


_WRITERS: dict[str, Callable[[Context], str | None]] = {
    "django/forms/div.html": _form,
    "django/forms/field.html": _field,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/number.html": _input,
    "django/forms/widgets/date.html": _input,
    "django/forms/widgets/datetime.html": _input,
    "django/forms/widgets/hidden.html": _input,
    "django/forms/widgets/file.html": _input,
    "django/forms/widgets/clearable_file_input.html": _file,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/radio.html": _choices,
    "django/forms/widgets/checkbox_select.html": _choices,
}


class StringRenderer(DjangoTemplates):
    """Django's form templates, written in Python for the ones the issue forms use."""

    def render(self, template_name: str, context: Any, request: Any = None) -> str:
        writer = _WRITERS.get(template_name)
        if writer is not None:
            html = writer(context)
            if html is not None:
                return html
        return str(super().render(template_name, context, request))


RENDERER = StringRenderer()
