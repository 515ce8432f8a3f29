"""Residents open the app inside WeChat's in-app browser: it blocks new windows and pop-up
dialogs and has no hover. No template or script of ours may rely on them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SANXIAN = Path(__file__).resolve().parent.parent / "sanxian"


def ours(pattern: str) -> list[Path]:
    return sorted(p for p in SANXIAN.glob(pattern) if "vendor" not in p.parts)


TEMPLATES = ours("**/*.html")
SCRIPTS = ours("**/static/**/*.js")
STYLESHEETS = ours("**/static/**/*.css")

NEW_WINDOW = re.compile(r"""target\s*=\s*["']?_blank|window\.open\s*\(""", re.I)
DIALOG = re.compile(r"(?<![\w.$])(?:window\.)?(alert|confirm|prompt)\s*\(")
HOVER_HANDLER = re.compile(r"\bon(mouseover|mouseenter|mouseout|mouseleave)\s*=", re.I)
HOVER_EVENT = re.compile(r"""["'](mouseover|mouseenter|mouseout|mouseleave)["']""")
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
SHOW_HIDE = re.compile(r"(?<![\w-])(display|visibility|opacity|max-height)\s*:")


def _script_parts(path: Path) -> str:
    """A template's inline scripts and event handlers; a script file whole."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".js":
        return text
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", text, re.S | re.I)
    handlers = re.findall(r"""\son\w+\s*=\s*("[^"]*"|'[^']*')""", text)
    return "\n".join(scripts + handlers)


def new_windows(text: str) -> list[str]:
    return [m.group(0) for m in NEW_WINDOW.finditer(text)]


def dialogs(script: str) -> list[str]:
    return [m.group(0) for m in DIALOG.finditer(script)]


def hover_only(css: str) -> list[str]:
    """Selectors of rules that show or hide something only on :hover."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    found = []
    for selector, body in RULE.findall(css):
        if ":hover" in selector and SHOW_HIDE.search(body):
            found.append(selector.strip())
    return found


def test_the_checks_find_what_they_look_for() -> None:
    assert new_windows('<a href="/x" target="_blank">') == ['target="_blank']
    assert new_windows("window.open('/x')") == ["window.open("]
    assert dialogs("if (confirm('删除？')) go(); window.alert(1)") == ["confirm(", "window.alert("]
    assert dialogs("form.prompt_text = x; obj.confirm(1); myalert(2)") == []
    assert hover_only(".menu:hover .sub { display: block; }\n.a:hover { color: red; }") == [
        ".menu:hover .sub"
    ]
    assert hover_only("/* .x:hover { opacity: 1 } */ .y:hover { max-height: 9em }") == [".y:hover"]
    assert TEMPLATES and SCRIPTS and STYLESHEETS


@pytest.mark.parametrize("path", TEMPLATES + SCRIPTS, ids=lambda p: str(p.relative_to(SANXIAN)))
def test_no_new_windows_dialogs_or_hover_handlers(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    script = _script_parts(path)
    problems = (
        new_windows(text)
        + dialogs(script)
        + [m.group(0) for m in HOVER_HANDLER.finditer(text)]
        + ([m.group(0) for m in HOVER_EVENT.finditer(script)])
    )
    assert not problems, f"{path.relative_to(SANXIAN)}: {problems}"


@pytest.mark.parametrize("path", STYLESHEETS, ids=lambda p: str(p.relative_to(SANXIAN)))
def test_nothing_shows_or_hides_only_on_hover(path: Path) -> None:
    found = hover_only(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(SANXIAN)} shows or hides on :hover: {found}"
