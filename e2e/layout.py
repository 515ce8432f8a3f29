"""Layout checks run inside the page, shared by the browser tests.

``layout_problems(page)`` evaluates one function in the page and returns a list of
readable problems: sideways scrolling, boxes sticking out past the right edge, text cut
off by overflow or an ellipsis, interactive controls overlapping each other and (on
phones) touch targets smaller than 24×24 CSS px (WCAG 2.2, 2.5.8 "Target Size
(Minimum)", with its exceptions for links inside sentences and well-spaced targets).
``assert_layout(page, where)`` fails the test with every problem listed.
"""

from __future__ import annotations

LAYOUT_JS = r"""
({touch}) => {
  const problems = [];
  // A phone's browser zooms out to fit a page wider than the screen, which makes
  // window.innerWidth grow with the page; the layout viewport's width does not.
  const edge = Math.min(window.innerWidth, document.documentElement.clientWidth);

  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 3; e = e.parentElement) {
      let s = e.tagName.toLowerCase();
      if (e.id) s += '#' + e.id;
      const testid = e.getAttribute('data-testid');
      if (testid) s += `[data-testid="${testid}"]`;
      const cls = [...e.classList].slice(0, 2);
      if (cls.length) s += '.' + cls.join('.');
      parts.unshift(s);
      if (e.id || testid) break;
    }
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
      .trim().replace(/\s+/g, ' ').slice(0, 40);
    return parts.join(' > ') + (text ? ` "${text}"` : '');
  };

  const visible = (el) => {
    if (!el.checkVisibility({opacityProperty: true, visibilityProperty: true,
                             checkOpacity: true, checkVisibilityCSS: true})) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) return false;
    // Visually hidden (.sr-only and the like): clipped to nothing.
    const style = getComputedStyle(el);
    if (style.clip && style.clip !== 'auto' && r.width <= 2 && r.height <= 2) return false;
    return true;
  };

  const scrollsSideways = (el) => {
    if (el.classList.contains('table-scroll')) return true;
    const ox = getComputedStyle(el).overflowX;
    return ox === 'auto' || ox === 'scroll';
  };
  const clipsSideways = (el) => {
    const ox = getComputedStyle(el).overflowX;
    return ox === 'hidden' || ox === 'clip';
  };
  const insideScroller = (el) => {
    for (let e = el.parentElement; e && e !== document.documentElement; e = e.parentElement) {
      if (scrollsSideways(e) || clipsSideways(e)) return true;
    }
    return false;
  };

  // 1. The page does not scroll sideways.
  const sw = document.documentElement.scrollWidth;
  if (sw > edge + 1) problems.push(`page scrolls sideways: scrollWidth ${sw} > ${edge}`);

  const all = [...document.body.querySelectorAll('*')].filter(
    (el) => !['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'OPTION', 'BR'].includes(el.tagName)
  );
  const shown = all.filter(visible);
  const shownSet = new Set(shown);

  // 2. Nothing sticks out past the right edge (report the outermost offender only).
  const sticking = new Set();
  for (const el of shown) {
    const r = el.getBoundingClientRect();
    if (r.right <= edge + 1 || insideScroller(el)) continue;
    sticking.add(el);
    if (el.parentElement && sticking.has(el.parentElement)) continue;
    const by = Math.round(r.right - edge);
    problems.push(`sticks out ${by}px past the right edge: ${describe(el)}`);
  }

  // 3. No text is cut off.
  for (const el of shown) {
    const replaced = ['INPUT', 'TEXTAREA', 'SELECT', 'IMG', 'svg', 'CANVAS', 'VIDEO', 'IFRAME'];
    if (replaced.includes(el.tagName)) continue;
    const style = getComputedStyle(el);
    const cutsX = ['hidden', 'clip'].includes(style.overflowX) || style.textOverflow === 'ellipsis';
    const cutsY = ['hidden', 'clip'].includes(style.overflowY);
    if (!cutsX && !cutsY) continue;
    if (!(el.innerText || '').trim()) continue;
    const wide = el.scrollWidth > el.clientWidth + 1;
    const tall = el.scrollHeight > el.clientHeight + 1;
    if ((cutsX && wide) || (cutsY && tall) || (style.textOverflow === 'ellipsis' && wide)) {
      problems.push(
        `text cut off (${el.scrollWidth}×${el.scrollHeight} in ` +
        `${el.clientWidth}×${el.clientHeight}): ${describe(el)}`
      );
    }
  }

  // 4. Interactive controls do not overlap.
  const controls = shown.filter((el) =>
    el.matches('a[href], button, input:not([type=hidden]), select, textarea, summary')
  );
  const boxes = (el) => {
    // An inline link wrapping onto two lines is two boxes, not the rectangle around both.
    const inline = getComputedStyle(el).display === 'inline';
    const rects = inline ? [...el.getClientRects()] : [el.getBoundingClientRect()];
    return rects.filter((r) => r.width > 0 && r.height > 0);
  };
  const overlap = (a, b) => Math.min(
    Math.min(a.right, b.right) - Math.max(a.left, b.left),
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
  );
  const controlBoxes = controls.map((el) => [el, boxes(el)]);
  for (let i = 0; i < controlBoxes.length; i++) {
    const [a, ra] = controlBoxes[i];
    for (let j = i + 1; j < controlBoxes.length; j++) {
      const [b, rb] = controlBoxes[j];
      if (a.contains(b) || b.contains(a)) continue;
      let worst = 0;
      for (const x of ra) for (const y of rb) worst = Math.max(worst, overlap(x, y));
      if (worst > 2) {
        const pair = `${describe(a)} and ${describe(b)}`;
        problems.push(`controls overlap by ${Math.round(worst)}px: ${pair}`);
      }
    }
  }

  // 5. Touch targets of at least 24×24 CSS px on phones.
  if (touch) {
    const labelOf = (el) =>
      el.closest('label') || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
    const inSentence = (el) => {
      if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
      const block = el.parentElement;
      if (!block) return false;
      const own = (el.innerText || '').trim().length;
      const around = (block.innerText || '').trim().length;
      return around > own + 1;
    };
    // The target of a checkbox or radio button is its label when it has one.
    const targets = controls.map((el) => {
      if (el.matches('input[type=checkbox], input[type=radio]')) {
        const label = labelOf(el);
        if (label && shownSet.has(label)) return [el, label.getBoundingClientRect()];
      }
      return [el, el.getBoundingClientRect()];
    });
    const distance = (x, y, r) => {
      const dx = Math.max(r.left - x, 0, x - r.right);
      const dy = Math.max(r.top - y, 0, y - r.bottom);
      return Math.hypot(dx, dy);
    };
    for (const [el, r] of targets) {
      if (r.width >= 24 && r.height >= 24) continue;
      if (inSentence(el)) continue;
      // Spacing exception: a 24 px circle on the target's centre meets no other target.
      const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
      const crowded = targets.some(([other, o]) =>
        other !== el && !other.contains(el) && !el.contains(other) && distance(cx, cy, o) < 12
      );
      if (!crowded) continue;
      const size = `${Math.round(r.width)}×${Math.round(r.height)}`;
      problems.push(`touch target ${size} < 24×24: ${describe(el)}`);
    }
  }
  return problems;
}
"""


def layout_problems(page, *, touch: bool | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Every layout problem on the page as it is now (see LAYOUT_JS)."""
    if touch is None:
        touch = bool(page.evaluate("matchMedia('(pointer: coarse)').matches"))
    page.wait_for_load_state("load")
    return list(page.evaluate(LAYOUT_JS, {"touch": touch}))


def assert_layout(page, where: str = "", *, touch: bool | None = None) -> None:  # type: ignore[no-untyped-def]
    problems = layout_problems(page, touch=touch)
    if problems:
        lines = "\n  - ".join(problems)
        raise AssertionError(f"layout problems on {where or page.url} ({page.url}):\n  - {lines}")
