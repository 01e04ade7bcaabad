"""Computed-style memo for certificate renders: values computed for an element's style in one
certificate are reused for the same element in the next.

WeasyPrint 70 computes each property of each element's style lazily, in Python
(`ComputedStyle.__missing__`): about 4,000 look-ups per certificate, a fifth of the layout
time. A certificate's elements are the same from one render to the next, with the same
cascaded declarations (the stylesheets are parsed once per process) under the same parents.
The computed value of a property is a function of:

- the element's cascaded declarations (values and weights) and pseudo-element type,
- its parent's computed style (inherited values, `em`, percentages of the font size),
- the root's computed style (`rem`), the base URL and the initial page size,

so a style whose whole chain of ancestors had the same declarations, with the same base URL,
page size and fonts, gets the same values. `MemoComputedStyle` keys each style by that chain
and shares one table of computed values between all styles with the key: a property computed
once is taken from the table afterwards. Declarations are compared by value when hashable and
by identity otherwise (the memo keeps them alive, so an identity is never reused); a style
attribute's declarations are new objects every render and simply never match.

The styles of anonymous boxes (`MemoAnonymousStyle`, everything from the parent) share a
table keyed by their parent's key.

What is left out, so the table only ever holds what `__missing__` computes from the inputs
above: `position`, `float` and `display` (their computation also records specified values),
copies of a style (WeasyPrint changes copies, e.g. a font size of 1000 to measure ratios), and
styles whose parent is not keyed. Active only inside `memoised_styles()`, for one
FontConfiguration, on `PINNED_WEASYPRINT`. tests/documents/test_stylememo.py renders every
template with and without the memo and compares the PDF bytes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

PINNED_WEASYPRINT = "70.0"
MAX_KEYS = 2048  # styles kept; a certificate has about 50 elements
_NOT_SHARED = frozenset({"position", "float", "display"})


class _State(threading.local):
    active_font_config: Any = None


_state = _State()
_install_lock = threading.Lock()
_installed: bool | None = None
# key -> (computed values shared by the styles with this key, the declarations kept alive)
_tables: OrderedDict[Hashable, tuple[dict[str, tuple[Any, bool]], Any]] = OrderedDict()
_stats = {"hits": 0, "misses": 0, "styles_keyed": 0}


def _declaration(value: Any) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return ("value", type(value), value)


def _frozen(value: Any) -> Hashable:
    """Weights and page sizes: numbers, tuples, and lists or dicts of them."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    if isinstance(value, dict):
        return tuple((key, _frozen(item)) for key, item in value.items())
    return value


def _cascaded_key(cascaded: dict[str, Any]) -> Hashable:
    return tuple(
        (name, _declaration(value), _frozen(weight)) for name, (value, weight) in cascaded.items()
    )


def style_table(
    parent_style: Any,
    cascaded: dict[str, Any],
    pseudo_type: str | None,
    root_style: Any,
    base_url: str | None,
    initial_page_sizes: Any,
) -> tuple[Hashable, dict[str, tuple[Any, bool]]] | None:
    """The key and shared table for a style made from these arguments, or None when it cannot
    be keyed (a parent or root that is not keyed)."""
    if parent_style is None:
        # The root element (its root style is WeasyPrint's InitialStyle) or a page style.
        from weasyprint.css import InitialStyle

        root_key = getattr(root_style, "_memo_key", None)
        if root_key is None and not isinstance(root_style, InitialStyle):
            return None
        parent_key: Hashable = ("root", root_key)
    else:
        parent_key = getattr(parent_style, "_memo_key", None)
        if parent_key is None:
            return None
    key = (
        parent_key,
        pseudo_type,
        base_url,
        _frozen(initial_page_sizes),
        _cascaded_key(cascaded),
    )
    return key, _table(key, cascaded)


def _table(key: Hashable, keep: Any) -> dict[str, tuple[Any, bool]]:
    """The shared table for `key`, made (keeping `keep` alive with it) if needed."""
    found = _tables.get(key)
    if found is None:
        found = _tables[key] = ({}, keep)
        if len(_tables) > MAX_KEYS:
            _tables.popitem(last=False)
    else:
        _tables.move_to_end(key)
    return found[0]


def _make_memo_classes() -> tuple[type, type]:
    from weasyprint.css import AnonymousStyle, ComputedStyle

    class MemoComputedStyle(ComputedStyle):  # type: ignore[misc,valid-type]
        """`ComputedStyle` that shares computed values with styles of the same key."""

        _memo_key: Hashable | None = None
        _memo_table: dict[str, tuple[Any, bool]] | None = None

        def __init__(
            self,
            parent_style: Any,
            cascaded: dict[str, Any],
            pseudo_type: str | None,
            root_style: Any,
            base_url: str | None,
            font_config: Any,
            initial_page_sizes: Any,
        ) -> None:
            super().__init__(
                parent_style,
                cascaded,
                pseudo_type,
                root_style,
                base_url,
                font_config,
                initial_page_sizes,
            )
            if font_config is not None and font_config is _state.active_font_config:
                keyed = style_table(
                    parent_style, cascaded, pseudo_type, root_style, base_url, initial_page_sizes
                )
                if keyed is not None:
                    self._memo_key, self._memo_table = keyed
                    _stats["styles_keyed"] += 1

        def copy(self) -> Any:
            copy = super().copy()
            copy._memo_key = copy._memo_table = None  # copies are changed: never shared
            return copy

        def __missing__(self, key: str) -> Any:
            table = self._memo_table
            if table is None or key in _NOT_SHARED:
                return super(type(self), self).__missing__(key)
            found = table.get(key)
            if found is not None:
                _stats["hits"] += 1
                value, stored = found
                if stored:
                    self[key] = value
                return value
            _stats["misses"] += 1
            value = super(type(self), self).__missing__(key)
            table[key] = (value, key in self and self[key] is value)
            return value

    class MemoAnonymousStyle(AnonymousStyle):  # type: ignore[misc,valid-type]
        """`AnonymousStyle` (the style of an anonymous box: all from its parent) that shares
        computed values with the anonymous styles of parents of the same key."""

        _memo_key: Hashable | None = None
        _memo_table: dict[str, tuple[Any, bool]] | None = None

        def __init__(self, parent_style: Any) -> None:
            super().__init__(parent_style)
            parent_key = getattr(parent_style, "_memo_key", None)
            if parent_key is not None and _state.active_font_config is not None:
                self._memo_key = ("anonymous", parent_key)
                self._memo_table = _table(self._memo_key, None)
                _stats["styles_keyed"] += 1

        def copy(self) -> Any:
            copy = super().copy()
            copy._memo_key = copy._memo_table = None
            return copy

        __missing__ = MemoComputedStyle.__missing__

    return MemoComputedStyle, MemoAnonymousStyle


def install() -> bool:
    """Makes WeasyPrint create `MemoComputedStyle`s (once); False, and nothing changed, on a
    WeasyPrint other than `PINNED_WEASYPRINT`. Outside `memoised_styles()` they behave as
    WeasyPrint's own `ComputedStyle`."""
    global _installed
    with _install_lock:
        if _installed is not None:
            return _installed
        import weasyprint

        if weasyprint.__version__ != PINNED_WEASYPRINT:
            log.warning(
                "style memo off: written for WeasyPrint %s, found %s",
                PINNED_WEASYPRINT,
                weasyprint.__version__,
            )
            _installed = False
            return False
        import weasyprint.css

        computed, anonymous = _make_memo_classes()
        # StyleFor.set_computed_styles, Style.anonymous_style and the copy() methods look the
        # names up when called.
        weasyprint.css.ComputedStyle = computed
        weasyprint.css.AnonymousStyle = anonymous
        _installed = True
        return True


@contextmanager
def memoised_styles(font_config: Any) -> Iterator[bool]:
    """Within the block, styles computed with `font_config` share values through the memo.
    Yields whether the memo is on (see `install`)."""
    if not install():
        yield False
        return
    previous, _state.active_font_config = _state.active_font_config, font_config
    try:
        yield True
    finally:
        _state.active_font_config = previous


def clear() -> None:
    """Empties the memo (tests; a process that changes its stylesheets)."""
    _tables.clear()
    for name in _stats:
        _stats[name] = 0


def stats() -> dict[str, int]:
    """Hits, misses and keyed styles since the last `clear()`."""
    return dict(_stats)
