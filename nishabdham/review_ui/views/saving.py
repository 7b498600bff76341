"""Saving a version, approving it (doubtful cues asked about first), and the approved files for download."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from nishabdham.errors import NishabdhamError, VersionConflictError
from nishabdham.review_ui.approval import INCLUDE, LEAVE_OUT, approve, doubts, latest_approval
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.views.context import PageContext, flash
from nishabdham.review_ui.views.state import current, keep_draft, update


def refreshing(job: str, action, *args) -> None:
    """Run an action that changes more than the editor (approval: its panels above), then redraw the whole page."""
    action(*args)
    st.session_state[f"full-rerun:{job}"] = True


def save(ctx: PageContext, recording: Recording) -> bool:
    job = recording.job
    session = current(job)
    merged_from = st.session_state.pop(f"merged-from:{job}", ())
    try:
        version = ctx.versions.save(job, session.cues, session.base_version, ctx.reviewer, merged_from=merged_from)
    except VersionConflictError as exc:
        st.session_state[f"conflict:{job}"] = exc.latest
        st.session_state[f"full-rerun:{job}"] = True
        flash("warning", str(exc))
        return False
    except NishabdhamError as exc:
        st.session_state[f"toolbar-msg:{job}"] = [("error", str(exc))]
        return False
    approval = latest_approval(recording.folder)
    if approval is not None and approval.version == session.base_version:
        st.session_state[f"full-rerun:{job}"] = True  # the approved version's downloads go away
    update(job, session.saved_as(version.number, version.cues))
    keep_draft(job, current(job))
    st.session_state[f"toolbar-msg:{job}"] = [("success", f"Saved version {version.number}.")]
    return True


def approve_now(ctx: PageContext, recording: Recording, doubtful: str | None) -> None:
    """Save the edits (if any), then approve; doubtful cues first ask what to do with them."""
    job = recording.job
    if current(job).dirty and not save(ctx, recording):
        return
    session = current(job)
    try:
        version = ctx.versions.load(job, session.base_version)
        found = doubts(version.cues, recording.machine_text, ctx.settings.rules)
        if found and doubtful is None:
            st.session_state[f"doubts:{job}"] = found
            return
        done = approve(recording, ctx.versions, version, ctx.reviewer, ctx.settings.rules, ctx.data_dir, doubtful)
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    st.session_state.pop(f"doubts:{job}", None)
    left = f"; {len(done.left_out)} doubtful cue(s) left out of it" if done.left_out else ""
    vouched = f"; {len(found)} doubtful cue(s) included as you confirmed" if found and not done.left_out else ""
    flash(
        "success",
        f"Approved version {done.version}: {done.rows} cues added to the evaluation set (set version "
        f"{done.set_version}){left}{vouched}; the machine's CER was {done.cer:.1%}, WER {done.wer:.1%}.",
    )


def doubts_panel(ctx: PageContext, recording: Recording) -> None:
    """Before approval: the cues that should not go into the evaluation set without a word from the approver."""
    job = recording.job
    found = st.session_state.get(f"doubts:{job}")
    if not found:
        return
    with st.container(border=True):
        st.warning(
            f"{len(found)} cue(s) are tagged as wrong but unchanged, or break the subtitle rules. They are exported "
            "either way; choose whether they go into the evaluation set.",
            icon=":material/rule:",
        )
        st.dataframe(
            [{"cue": d.number, "why": d.reason} for d in found], hide_index=True, width="stretch", key="doubt-list"
        )
        a, b, c = st.columns([3, 3, 1])
        a.button(
            f"Approve, leaving these {len(found)} out of the evaluation set",
            type="primary",
            on_click=refreshing,
            args=(job, approve_now, ctx, recording, LEAVE_OUT),
            key="approve-leave-out",
        )
        b.button(
            "Approve with them: I confirm they are right",
            on_click=refreshing,
            args=(job, approve_now, ctx, recording, INCLUDE),
            key="approve-include",
        )
        c.button("Cancel", on_click=lambda: st.session_state.pop(f"doubts:{job}", None), key="approve-cancel")


def approval_downloads(recording: Recording, session: EditSession) -> bool:
    """The approved files of the version being edited, while it has no unsaved edits; True when shown."""
    approval = latest_approval(recording.folder)
    if approval is None or approval.version != session.base_version or session.dirty:
        return False
    with st.container(border=True):
        st.markdown(
            f"**Approved version {approval.version}** by {approval.approver} · machine CER {approval.cer:.1%}, "
            f"WER {approval.wer:.1%} · {approval.rows} rows in the evaluation set (set version {approval.set_version})"
            + (f" · {len(approval.left_out)} doubtful cue(s) left out of it" if approval.left_out else "")
        )
        folder = Path(approval.folder)
        names = [n for n in approval.files if not n.endswith(".json")] + [
            n for n in approval.files if n.endswith(".json")
        ]
        cols = st.columns(4)
        for n, name in enumerate(names):
            cols[n % 4].download_button(
                name,
                (folder / name).read_bytes(),
                file_name=name,
                mime=_MIME.get(Path(name).suffix, "text/plain"),
                key=f"dl:{name}",
                icon=":material/download:",
                width="stretch",
            )
    return True


_MIME = {".srt": "application/x-subrip", ".vtt": "text/vtt", ".json": "application/json"}
