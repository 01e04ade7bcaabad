"""Text shaping memos for certificate renders: Pango work for a line already seen is not redone.

Most lines of a certificate are the same from one certificate to the next (labels, headings,
the seal statement, the footer, the agency's address). WeasyPrint 70 asks Pango for each of
them twice per render: once to find where the line breaks (`split_first_line`) and again
when drawing (`Layout.reactivate` builds a new Pango layout and reshapes the line). Together
the two memos save about 5 ms of a 30 ms render (A/B, a different certificate every run).
Two memos skip that work for a line already seen with the same style:

- **line breaking** (`_memo_split_first_line`): the result of WeasyPrint's
  `split_first_line` keyed by the text, the width, the other arguments and every style
  property the function reads (`LINE_BREAK_PROPERTIES`). The result holds a *deactivated*
  `Layout` (no Pango objects, only its text and metrics), so a hit returns a fresh copy of it:
  nothing is shared between boxes.
- **drawing** (`_memo_draw_text`): the activated Pango layout `draw_text` makes for a text box,
  keyed by its text, justification spacing and the style properties that shape it. Pango keeps
  the laid-out lines inside the layout, so a hit costs no shaping. Draws that might change the
  layout (an ellipsis) are not memoised.

Both are active only inside `memoised_text()` (documents/render.py holds its render lock
around it), for one FontConfiguration, and only on the WeasyPrint version they were written
against (`PINNED_WEASYPRINT`): with any other version `install()` returns False and renders run
through plain WeasyPrint. tests/documents/test_textmemo.py renders every template with and
without the memos and compares the drawn PDF operators, and checks that the key covers every
style property WeasyPrint reads.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

PINNED_WEASYPRINT = "70.0"
MAX_ENTRIES = 4096  # per memo; a certificate has about 45 text boxes

# Every style property weasyprint.text.line_break.split_first_line (with Layout.setup,
# Layout.set_text and first_line_metrics) reads. tests/documents/test_textmemo.py records the
# properties actually read and fails if one is missing here.
LINE_BREAK_PROPERTIES = (
    "direction",
    "font_family",
    "font_feature_settings",
    "font_kerning",
    "font_language_override",
    "font_size",
    "font_stretch",
    "font_style",
    "font_variant_alternates",
    "font_variant_caps",
    "font_variant_east_asian",
    "font_variant_ligatures",
    "font_variant_numeric",
    "font_variant_position",
    "font_variation_settings",
    "font_weight",
    "hyphenate_character",
    "hyphenate_limit_chars",
    "hyphenate_limit_zone",
    "hyphens",
    "lang",
    "letter_spacing",
    "overflow_wrap",
    "tab_size",
    "text_decoration_line",
    "white_space",
    "word_break",
    "word_spacing",
)
# Automatic hyphenation reads more (pyphen dictionaries, percentages of the width): not memoised.
_MEMOISED_HYPHENS = frozenset({"none", "manual"})


class _State(threading.local):
    active_font_config: Any = None


_state = _State()
_install_lock = threading.Lock()
_installed: bool | None = None
_line_breaks: OrderedDict[Hashable, tuple[Any, ...]] = OrderedDict()
_drawn_layouts: OrderedDict[Hashable, dict[str, Any]] = OrderedDict()
# What Layout.reactivate sets on a layout besides its style: taken from the memo on a hit.
_ACTIVE_LAYOUT_ATTRIBUTES = (
    "layout",
    "language",
    "text",
    "first_line_direction",
    "ascent",
    "underline_position",
    "strikethrough_position",
    "underline_thickness",
    "strikethrough_thickness",
)
_stats = {"line_hits": 0, "line_misses": 0, "draw_hits": 0, "draw_misses": 0}


def _frozen(value: Any) -> Hashable:
    """A hashable stand-in for a computed style value (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, _frozen(item)) for key, item in value.items()))
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def style_key(style: Any) -> tuple[Hashable, ...]:
    """The values of `LINE_BREAK_PROPERTIES` in `style`, hashable.

    Computed values are strings, numbers and tuples (hashable) in nearly every case; the
    conversion runs only when hashing fails.
    """
    key = tuple(map(style.__getitem__, LINE_BREAK_PROPERTIES))
    try:
        hash(key)
    except TypeError:
        return tuple(_frozen(value) for value in key)
    return key


def _style_key_of(style: Any) -> tuple[Hashable, ...]:
    """`style_key(style)`, kept on the style object for the rest of the render.

    Boxes of one element share its style object, and WeasyPrint changes none of
    `LINE_BREAK_PROPERTIES` in a style once layout has begun (it copies the style first).
    """
    key = style.__dict__.get("_textmemo_key")
    if key is None:
        key = style.__dict__["_textmemo_key"] = style_key(style)
    return key


def _remember(memo: OrderedDict[Hashable, Any], key: Hashable, value: Any) -> None:
    memo[key] = value
    if len(memo) > MAX_ENTRIES:
        memo.popitem(last=False)


def _recall(memo: OrderedDict[Hashable, Any], key: Hashable) -> Any:
    value = memo.get(key)
    if value is not None:
        memo.move_to_end(key)
    return value


def _memoisable(style: Any) -> bool:
    font_config = _state.active_font_config
    return (
        font_config is not None
        and style.font_config is font_config
        and style["hyphens"] in _MEMOISED_HYPHENS
    )


# --- the two memos ------------------------------------------------------------------------------

_original_split_first_line: Callable[..., Any] | None = None
_original_draw_text: Callable[..., Any] | None = None
_original_reactivate: Callable[..., Any] | None = None


def _memo_split_first_line(
    text: str,
    style: Any,
    context: Any,
    max_width: float | None,
    justification_spacing: float,
    is_line_start: bool = True,
    minimum: bool = False,
) -> tuple[Any, ...]:
    """`split_first_line`, from the memo when the same text was split with the same style.

    `context` is left out of the key: split_first_line only caches hyphenation dictionaries
    in it, and automatic hyphenation is not memoised.
    """
    assert _original_split_first_line is not None
    if not _memoisable(style):
        return _original_split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
    key = (text, max_width, justification_spacing, is_line_start, minimum, _style_key_of(style))
    found = _recall(_line_breaks, key)
    if found is None:
        _stats["line_misses"] += 1
        result = _original_split_first_line(
            text, style, context, max_width, justification_spacing, is_line_start, minimum
        )
        # A pristine copy: the layout returned is given to a box and changed when drawn.
        _remember(_line_breaks, key, (copy.copy(result[0]), *result[1:]))
        return result
    _stats["line_hits"] += 1
    layout, *metrics = found
    return (copy.copy(layout), *metrics)


def _memo_reactivate(layout: Any, style: Any) -> None:
    """`Layout.reactivate` with the Pango layout from the memo when the text and style match."""
    assert _original_reactivate is not None
    key = (layout.text, layout.justification_spacing, _style_key_of(style))
    found = _recall(_drawn_layouts, key)
    if found is None:
        _stats["draw_misses"] += 1
        _original_reactivate(layout, style)
        from weasyprint.text.ffi import pango

        # draw_first_line sets this too; set before the lines are laid out, it stays a no-op
        # there and Pango keeps the lines it lays out at the first draw.
        pango.pango_layout_set_single_paragraph_mode(layout.layout, True)
        state = vars(layout)
        _remember(
            _drawn_layouts,
            key,
            {name: state[name] for name in _ACTIVE_LAYOUT_ATTRIBUTES if name in state},
        )
        return
    _stats["draw_hits"] += 1
    vars(layout).update(found)
    layout.style = style


def _memo_draw_text(
    stream: Any, textbox: Any, offset_x: float, text_overflow: str, block_ellipsis: str = "none"
) -> Any:
    """`draw_text`, reusing a memoised Pango layout for the box unless it may be ellipsised."""
    assert _original_draw_text is not None
    layout = getattr(textbox, "pango_layout", None)
    if (
        text_overflow != "clip"
        or block_ellipsis != "none"
        or layout is None
        or not _memoisable(textbox.style)
    ):
        return _original_draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis)
    layout.reactivate = lambda style: _memo_reactivate(layout, style)
    try:
        return _original_draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis)
    finally:
        del layout.reactivate


# --- installation -------------------------------------------------------------------------------


def install() -> bool:
    """Puts the memo wrappers into WeasyPrint (once); False, and nothing changed, on a
    WeasyPrint other than `PINNED_WEASYPRINT`. The wrappers call straight through to WeasyPrint
    outside `memoised_text()`."""
    global _installed, _original_split_first_line, _original_draw_text, _original_reactivate
    with _install_lock:
        if _installed is not None:
            return _installed
        import weasyprint

        if weasyprint.__version__ != PINNED_WEASYPRINT:
            log.warning(
                "text memos off: written for WeasyPrint %s, found %s",
                PINNED_WEASYPRINT,
                weasyprint.__version__,
            )
            _installed = False
            return False
        import weasyprint.draw
        import weasyprint.draw.text
        import weasyprint.layout.inline
        import weasyprint.layout.preferred
        import weasyprint.text.line_break

        _original_split_first_line = weasyprint.text.line_break.split_first_line
        _original_draw_text = weasyprint.draw.text.draw_text
        _original_reactivate = weasyprint.text.line_break.Layout.reactivate
        # Every module that holds its own reference (svg text is left alone).
        weasyprint.layout.inline.split_first_line = _memo_split_first_line
        weasyprint.layout.preferred.split_first_line = _memo_split_first_line
        weasyprint.draw.draw_text = _memo_draw_text
        _installed = True
        return True


@contextmanager
def memoised_text(font_config: Any) -> Iterator[bool]:
    """Within the block, WeasyPrint renders that use `font_config` take line breaks and drawn
    Pango layouts from the memos. Yields whether the memos are on (see `install`)."""
    if not install():
        yield False
        return
    previous, _state.active_font_config = _state.active_font_config, font_config
    try:
        yield True
    finally:
        _state.active_font_config = previous


def clear() -> None:
    """Empties both memos (tests; a process that changes its fonts)."""
    _line_breaks.clear()
    _drawn_layouts.clear()
    for name in _stats:
        _stats[name] = 0


def stats() -> dict[str, int]:
    """Hits and misses of both memos since the last `clear()`."""
    return dict(_stats)
