"""The inputs table of ``btcsim app``: one row per input, grouped by provenance.

Cited and derived facts show their sources and move only within the sources'
spread (a slider); assumptions are fields bounded by their low/high where
they have one, with their note; protocol rules and history data are read
only. An edit goes through :func:`simulator.app.session.check_edit`, so a
value the CLI refuses is refused here with the CLI's message, under the field.
"""

from __future__ import annotations

import math
from typing import Any

import streamlit as st

from simulator.app.session import GROUP_ORDER, AppState, InputRow, check_edit, choices_of
from simulator.results.format import format_number

__all__ = ["GROUP_TITLES", "inputs_panel", "widget_key"]

#: Heading of each provenance group.
GROUP_TITLES = {
    "cited": "Cited facts: from the source articles, movable within their spread",
    "derived": "Derived facts: computed from cited facts",
    "data": "Data: read from a history file",
    "assumption": "Assumptions: the user's choices, with their notes",
    "protocol": "Protocol rules: Bitcoin consensus, read only",
}


def widget_key(generation: int, key: str) -> str:
    """Session key of an input's widget (a new generation resets every widget)."""
    return f"in:{generation}:{key}"


def _is_int(row: InputRow) -> bool:
    return isinstance(row.original, int) and not isinstance(row.original, bool)


def _step(row: InputRow) -> float | int:
    """A slider or field step: about 1/100 of the range, a round number (1 for integers)."""
    if _is_int(row):
        return 1
    span = (row.high - row.low) if row.low is not None and row.high is not None else 0.0
    if span <= 0:
        span = abs(float(row.original)) or 1.0
    return float(10 ** math.floor(math.log10(span / 100)))


def _on_change(key: str, wkey: str) -> None:
    state: AppState = st.session_state["state"]
    new, error = check_edit(state, key, st.session_state[wkey])
    errors: dict[str, str] = st.session_state.setdefault("errors", {})
    if error is None:
        errors.pop(key, None)
        st.session_state["state"] = new
    else:
        errors[key] = error


def _undo(key: str, generation_bump: bool = True) -> None:
    st.session_state["state"] = st.session_state["state"].without(key)
    st.session_state.setdefault("errors", {}).pop(key, None)
    if generation_bump:
        st.session_state["generation"] = st.session_state.get("generation", 0) + 1


def _widget(row: InputRow, wkey: str) -> None:
    common: dict[str, Any] = {
        "label": row.key,
        "key": wkey,
        "label_visibility": "collapsed",
        "on_change": _on_change,
        "args": (row.key, wkey),
    }
    if row.widget == "slider":
        assert row.low is not None and row.high is not None  # a slider has a range
        kind = int if _is_int(row) else float
        low, high = kind(row.low), kind(row.high)
        value = min(max(kind(row.value), low), high)
        st.slider(
            min_value=low,
            max_value=high,
            value=value,
            step=kind(_step(row)),
            format=_format(row),
            **common,
        )
    elif row.widget == "number":
        kind = int if _is_int(row) else float
        if row.low is not None and row.high is not None and row.low < row.high:
            # bounded by the assumption's range (widened to a value set outside it)
            common["min_value"] = kind(min(row.low, row.value))
            common["max_value"] = kind(max(row.high, row.value))
        st.number_input(value=kind(row.value), step=kind(_step(row)), format=_format(row), **common)
    elif row.widget == "toggle":
        st.toggle(value=bool(row.value), **common)
    elif row.widget == "choice":
        options = list(choices_of(row.key))
        st.selectbox(options=options, index=options.index(str(row.value)), **common)
    elif row.widget == "text":
        st.text_input(value=str(row.value), **common)
    else:
        st.markdown(f"`{_shown(row.value, row.unit)}`")


def _format(row: InputRow) -> str:
    return "%d" if _is_int(row) else "%g"


def _shown(value: Any, unit: str) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, unit) + (f" {unit}" if unit else "")
    return str(value)


def _range_text(row: InputRow) -> str:
    if row.low is None or row.high is None or row.low == row.high:
        return ""
    word = "spread of sources" if row.provenance in ("cited", "derived") else "range"
    return f"{word} {format_number(row.low)} .. {format_number(row.high)} {row.unit}".strip()


def inputs_panel(rows: list[InputRow], generation: int, height: int = 900) -> None:
    """Draw the inputs table: a heading per provenance group, a row per input.

    The groups scroll in a box ``height`` pixels high, so the results stay in view.
    """
    errors: dict[str, str] = st.session_state.get("errors", {})
    changed = [r for r in rows if r.changed]
    st.caption(
        f"{len(rows)} inputs; {len(changed)} changed. Edit a value, then press Run. "
        "A changed input is marked ✎ and runs as an assumption set in the app."
    )
    if changed:
        st.markdown(
            "**Changed:** "
            + "; ".join(
                f"`{r.key}` {_shown(r.original, r.unit)} → {_shown(r.value, r.unit)}"
                for r in changed
            )
        )
    with st.container(height=height, border=False):  # the inputs scroll beside the results
        for group in GROUP_ORDER:
            members = [r for r in rows if r.provenance == group]
            if not members:
                continue
            title = f"{GROUP_TITLES[group]} ({len(members)})"
            with st.expander(title, expanded=group != "protocol"):
                for row in members:
                    _row(row, generation, errors.get(row.key))


def _row(row: InputRow, generation: int, error: str | None) -> None:
    mark = " ✎ changed" if row.changed else ""
    unit = f" [{row.unit}]" if row.unit else ""
    st.markdown(f"**`{row.key}`**{unit}{mark}")
    about, field = st.columns([3, 2], vertical_alignment="top")
    detail = _range_text(row)
    if row.changed:
        detail = f"file value {_shown(row.original, row.unit)}" + (f"; {detail}" if detail else "")
    about.caption(" · ".join(t for t in (detail, row.source) if t))
    with field:
        _widget(row, widget_key(generation, row.key))
        if row.changed:
            st.button("undo", key=f"undo:{generation}:{row.key}", on_click=_undo, args=(row.key,))
    if error:
        st.error(error, icon="⛔")
