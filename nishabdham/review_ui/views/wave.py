"""The waveform you work in (a Streamlit component built from ``review_ui/wave_editor``) and the shortcut help.

The component gets the cues, the selected cue, the rule profile's gap and the
keys, and shows the selected cue's times and lines to edit in place. It shows an
edit at once and sends it on; :func:`nishabdham.review_ui.wave_events.apply_events`
applies each event through the same edit function as the form and the table, and
the next render says which events were applied (``ack``). Where the component was
not built (``make setup`` builds it), the page falls back to the picture of the
waveform and the form's own fields, and says so.
"""

from __future__ import annotations

import functools
import json
import logging
from pathlib import Path

import streamlit as st

from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.approval import job_output_options
from nishabdham.review_ui.media import browser_audio, load_peaks, peaks_for_browser
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.table import CueReport
from nishabdham.review_ui.views.context import PageContext, flash
from nishabdham.review_ui.views.state import current, update
from nishabdham.review_ui.wave_events import FRAME_MS, LEAD_MS, SHORTCUTS, apply_events, shortcut_map

log = logging.getLogger(__name__)

BUILD = Path(__file__).resolve().parents[1] / "wave_editor" / "build"


def available() -> bool:
    """True when the component is built (``make setup`` runs ``npm ci`` and the build)."""
    return (BUILD / "index.html").is_file() and (BUILD / "main.js").is_file()


@st.cache_resource(show_spinner=False)
def _component():
    import streamlit.components.v1 as components

    return components.declare_component("wave_editor", path=str(BUILD))


@st.cache_resource(max_entries=8, show_spinner=False)
def _media(folder: str) -> tuple[bytes, str, bytes]:
    """(audio bytes, MIME type, peaks JSON) of a recording, read once per server and shared."""
    path, mime = browser_audio(folder)
    peaks = json.dumps(peaks_for_browser(load_peaks(folder)), separators=(",", ":")).encode()
    return path.read_bytes(), mime, peaks


def _url(data: bytes, mime: str, where: str) -> str:
    from streamlit.runtime import get_instance

    return get_instance().media_file_mgr.add(data, mime, where)


def render(ctx: PageContext, recording: Recording, cues: tuple, cue_report: CueReport, selected: int) -> None:
    job = recording.job
    audio, mime, peaks = _media(str(recording.folder))
    flagged = set(cue_report.flags)
    args = {
        "audio_url": _url(audio, mime, f"wave-audio:{job}"),
        "peaks_url": _url(peaks, "application/json", f"wave-peaks:{job}"),
        "duration_ms": recording.duration_ms,
        "cues": [
            {
                "id": c.id,
                "start": c.start_ms,
                "end": c.end_ms,
                "text": c.text,
                "second": c.second,
                "flagged": c.id in flagged,
            }
            for c in cues
        ],
        "selected": cues[selected].id if cues else None,
        "ack": st.session_state.get(f"wave-ack:{job}", 0),
        "gap_ms": ctx.settings.rules.min_gap_ms,
        "frame_ms": FRAME_MS,
        "lead_ms": LEAD_MS,
        "shortcuts": shortcut_map(),
        "height": 120,
    }
    key = f"wave:{job}"
    _component()(**args, key=key, default=None, on_change=functools.partial(_event, ctx, recording, key))
    if st.session_state.get("shortcut-help"):
        help_panel()


def _event(ctx: PageContext, recording: Recording, key: str) -> None:
    """The events the waveform sent that this page has not applied yet, in order (a refused one is said)."""
    value = st.session_state.get(key)
    if not isinstance(value, dict):
        return
    job = recording.job
    ack_key = f"wave-ack:{job}"
    rules = job_output_options(recording, ctx.settings.rules)[0]
    outcome = apply_events(current(job), value.get("events") or [], st.session_state.get(ack_key, 0), rules)
    st.session_state[ack_key] = outcome.ack
    for message in outcome.refused:
        flash("error", message)
    update(job, outcome.result.session)
    if outcome.result.selected is not None:
        st.session_state[f"cue-no:{job}"] = ed.index_of(outcome.result.session.cues, outcome.result.selected) + 1
    for request in outcome.requests:
        if request == "help":
            st.session_state["shortcut-help"] = not st.session_state.get("shortcut-help")
        elif request == "save":
            from nishabdham.review_ui.views.saving import save

            save(ctx, recording)


def help_panel() -> None:
    """The keyboard shortcuts, from the same list the browser binds."""
    with st.container(border=True, key="shortcut-help-panel"):
        st.markdown(
            "**Keyboard shortcuts** (press ? to hide; keys without Ctrl or Alt work when no text box has the cursor)"
        )
        st.dataframe(
            [{"key": s.key, "what it does": s.help} for s in SHORTCUTS], hide_index=True, width="stretch", key="keys"
        )
