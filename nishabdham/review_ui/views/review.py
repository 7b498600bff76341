"""Review page: waveform, cue table, the selected cue's panel, save (new version), merge, approve."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas  # noqa: F401  st.data_editor imports it; importing here keeps 0.7 s out of the first review page
import streamlit as st

from nishabdham.errors import NishabdhamError, VersionConflictError
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui import table as tbl
from nishabdham.review_ui import waveform
from nishabdham.review_ui.approval import approve, job_output_options, latest_approval
from nishabdham.review_ui.media import ensure_review_audio, load_peaks, review_audio_ready
from nishabdham.review_ui.recording import Recording, open_recording
from nishabdham.review_ui.versions import resolve, three_way_merge
from nishabdham.review_ui.views import cue_panel
from nishabdham.review_ui.views.context import PageContext, flash
from nishabdham.review_ui.views.state import current, revision, run_edit, session_key, update

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- loading


@st.cache_resource(max_entries=8, show_spinner=False)
def _recording(data_dir: str, job: str, transcript: str, source: str, name: str, mtime: float) -> Recording:
    recording = open_recording(data_dir, job, transcript, source, name)
    _ = recording.machine_text  # build the index once, shared by every session
    return recording


def load_recording(ctx: PageContext, job_id: str) -> Recording | None:
    job = ctx.jobs.get(job_id)
    if job is None:
        st.error(f"There is no job {job_id}.")
        return None
    if job.state != "done" or job.transcript_path is None:
        st.info(f"{job.stem}: {job.state} {job.stage} {job.progress:.0%}. It can be reviewed when it is done.")
        return None
    path = Path(job.transcript_path)
    mtime = path.stat().st_mtime if path.exists() else 0.0
    recording = _recording(str(ctx.data_dir), job.id, str(path), job.source, job.stem, mtime)
    if not review_audio_ready(recording.folder):
        with st.spinner("Preparing the audio for review (once per recording)…"):
            ensure_review_audio(recording.source, recording.folder, ctx.settings.normalize)
    return recording


def edit_session(ctx: PageContext, recording: Recording) -> ed.EditSession:
    key = session_key(recording.job)
    if key not in st.session_state:
        version = ctx.versions.open(recording.job, recording.machine)
        st.session_state[key] = ed.EditSession.start(
            recording.job, version.number, version.cues, recording.duration_ms, ctx.settings.review_undo_depth
        )
    return st.session_state[key]


# --------------------------------------------------------------------------- page


def render(ctx: PageContext) -> None:
    job_id = st.query_params.get("job")
    if not job_id:
        st.title("Review")
        st.info("Open a finished recording from the Jobs page.")
        st.page_link(ctx.pages["jobs"], label="Jobs", icon=":material/list:")
        return
    try:
        recording = load_recording(ctx, job_id)
        if recording is None:
            return
        session = edit_session(ctx, recording)
    except NishabdhamError as exc:
        st.error(str(exc))
        return
    started = time.perf_counter()
    _header(ctx, recording, session)
    with st.container():  # always there, so what follows keeps its place in the page
        _conflict_panel(ctx, recording, session)
    with st.container():
        _approval_downloads(recording, session)
    _speaker_names(recording, session)
    cues = session.cues
    cue_report = _report(ctx, recording, session)
    selected = _selected_index(recording, cues)
    _waveform(recording, cues, cue_report, selected)
    if cues:
        cue_panel.render(ctx, recording, session, selected, cue_report)
    _cue_table(ctx, recording, session, cue_report)
    log.debug("review page for %s drawn in %.3f s", recording.job, time.perf_counter() - started)


def _header(ctx: PageContext, recording: Recording, session: ed.EditSession) -> None:
    st.title(recording.name)
    st.session_state.pop(f"full-rerun:{recording.job}", None)  # this run redraws everything anyway
    _toolbar(ctx, recording)


@st.fragment
def _toolbar(ctx: PageContext, recording: Recording) -> None:
    """State, Save, Undo, Approve, Shift: a save reruns only this part (the table and waveform stay)."""
    job = recording.job
    if st.session_state.pop(f"full-rerun:{job}", False):
        st.rerun(scope="app")
    session = current(job)
    state = "unsaved edits" if session.dirty else "no unsaved edits"
    st.caption(
        f"Job {job} · {len(session.cues)} cues · {ed.format_ms(recording.duration_ms)} · "
        f"editing version {session.base_version} · {state} · signed in as {ctx.reviewer}"
    )
    cols = st.columns([1, 1, 1, 2, 1, 2], vertical_alignment="bottom")
    cols[0].button(
        "Save", type="primary", on_click=_save, args=(ctx, recording), disabled=not session.dirty, key="save"
    )
    cols[1].button("Undo", on_click=_refreshing, args=(job, _undo, job), disabled=not session.can_undo, key="undo")
    approvable = not session.dirty and session.base_version > 0
    cols[2].button(
        "Approve",
        on_click=_refreshing,
        args=(job, _approve, ctx, recording),
        disabled=not approvable,
        key="approve",
        help="Exports the final subtitles and adds the reviewed cues to the evaluation set.",
    )
    shift = cols[3].number_input("Shift all cues (ms)", value=0, step=100, key=f"shift:{job}")
    cols[4].button(
        "Shift",
        on_click=_refreshing,
        args=(job, _shift, job, f"shift:{job}", recording.duration_ms),
        disabled=shift == 0,
        key="shift-all",
    )
    cols[5].toggle("Worst-flagged first", key=f"worst:{job}", on_change=_refreshing, args=(job, lambda: None))
    for kind, message in st.session_state.pop(f"toolbar-msg:{job}", []):
        getattr(st, kind)(message)


def _speaker_names(recording: Recording, session: ed.EditSession) -> None:
    """Name each speaker once for the recording (SPEAKER_00 -> Host); one cue's speaker is changed in its panel."""
    labels = ed.speakers_of(session.cues)
    if not labels:
        return
    with st.expander(f"Speakers ({len(labels)})"), st.form(f"speakers:{recording.job}", border=False):
        names = {label: st.text_input(label, label, key=f"speaker-name:{recording.job}:{label}") for label in labels}
        if st.form_submit_button("Rename speakers"):
            for old, new in names.items():
                if " ".join(new.split()) != old:
                    run_edit(recording.job, ed.rename_speaker, old, new)
            st.rerun()


def _refreshing(job: str, action, *args) -> None:
    """Run a toolbar action that changes more than the toolbar, then redraw the whole page."""
    action(*args)
    st.session_state[f"full-rerun:{job}"] = True


def _save(ctx: PageContext, recording: Recording) -> None:
    job = recording.job
    session = current(job)
    merged_from = st.session_state.pop(f"merged-from:{job}", ())
    try:
        version = ctx.versions.save(job, session.cues, session.base_version, ctx.reviewer, merged_from=merged_from)
    except VersionConflictError as exc:
        st.session_state[f"conflict:{job}"] = exc.latest
        st.session_state[f"full-rerun:{job}"] = True
        flash("warning", str(exc))
        return
    except NishabdhamError as exc:
        st.session_state[f"toolbar-msg:{job}"] = [("error", str(exc))]
        return
    approval = latest_approval(recording.folder)
    if approval is not None and approval.version == session.base_version:
        st.session_state[f"full-rerun:{job}"] = True  # the approved version's downloads go away
    update(job, session.saved_as(version.number, version.cues))
    st.session_state[f"toolbar-msg:{job}"] = [("success", f"Saved version {version.number}.")]


def _shift(job: str, amount_key: str, duration_ms: int) -> None:
    """Shift by the amount in the box now (read when the button is pressed, not when it was drawn)."""
    run_edit(job, ed.shift_all, int(st.session_state[amount_key]), duration_ms)


def _undo(job: str) -> None:
    try:
        update(job, current(job).undo())
    except NishabdhamError as exc:
        flash("error", str(exc))


def _approve(ctx: PageContext, recording: Recording) -> None:
    session = current(recording.job)
    try:
        version = ctx.versions.load(recording.job, session.base_version)
        done = approve(recording, ctx.versions, version, ctx.reviewer, ctx.settings.rules, ctx.data_dir)
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    flash(
        "success",
        f"Approved version {done.version}: {done.rows} cues added to the evaluation set (set version "
        f"{done.set_version}); the machine's CER was {done.cer:.1%}, WER {done.wer:.1%}.",
    )


# --------------------------------------------------------------------------- concurrent saves


def _conflict_panel(ctx: PageContext, recording: Recording, session: ed.EditSession) -> None:
    job = recording.job
    latest = st.session_state.get(f"conflict:{job}")
    if latest is None:
        return
    merge = st.session_state.get(f"merge:{job}")
    with st.container(border=True):
        if merge is None:
            st.warning(f"Version {latest} was saved by someone else while you edited. Your edits are still here.")
            if st.button("Merge my edits with theirs", type="primary", key="merge"):
                base = ctx.versions.load(job, session.base_version)
                theirs = ctx.versions.load(job, latest)
                st.session_state[f"merge:{job}"] = three_way_merge(base.cues, session.cues, theirs.cues, latest)
                st.rerun()
            return
        st.write(
            f"Merged with version {merge.theirs_version}: {len(merge.conflicts)} place(s) where you both changed the same thing."
        )
        choices = []
        for n, conflict in enumerate(merge.conflicts):
            pick = st.radio(
                f"Cue {conflict.cue_id} — {conflict.field}",
                ["theirs", "mine"],
                format_func=lambda side, c=conflict: (
                    f"{side}: {getattr(c, side) if getattr(c, side) is not None else '(removed)'}"
                ),
                horizontal=True,
                key=f"pick:{job}:{n}",
            )
            if pick == "mine":
                choices.append((conflict.cue_id, conflict.field))
        if st.button("Use the merge", type="primary", key="use-merge"):
            cues = resolve(merge, choices)
            merged = ed.EditSession.start(
                job,
                merge.theirs_version,
                ctx.versions.load(job, merge.theirs_version).cues,
                recording.duration_ms,
                ctx.settings.review_undo_depth,
            )
            update(job, merged.apply(lambda _cues: cues))
            st.session_state[f"merged-from:{job}"] = (session.base_version, merge.theirs_version)
            del st.session_state[f"conflict:{job}"], st.session_state[f"merge:{job}"]
            flash("info", "Merged. Check the cues, then save.")
            st.rerun()


# --------------------------------------------------------------------------- table and waveform


@st.cache_resource(max_entries=16, show_spinner=False)
def _saved_reports() -> dict:
    """Reports of saved versions, shared by every session: (job, version) -> (cues, report)."""
    return {}


def _report(ctx: PageContext, recording: Recording, session: ed.EditSession) -> tbl.CueReport:
    """Warnings and flags of the current cues (computed once per change, not once per click)."""
    key = f"report:{recording.job}"
    cached = st.session_state.get(key)
    if cached is not None and cached[0] is session.cues:
        return cached[1]
    shared = _saved_reports()
    saved = shared.get((recording.job, session.base_version))
    if saved is not None and not session.dirty and saved[0] == session.cues:
        cue_report = saved[1]
    else:
        cue_report = tbl.report(
            session.cues, job_output_options(recording, ctx.settings.rules)[0], recording.transcript.removed
        )
        if not session.dirty:
            shared[(recording.job, session.base_version)] = (session.cues, cue_report)
    st.session_state[key] = (session.cues, cue_report)
    return cue_report


def _selected_index(recording: Recording, cues: tuple) -> int:
    key = f"cue-no:{recording.job}"
    if key in st.session_state and st.session_state[key] > len(cues):
        st.session_state[key] = max(len(cues), 1)
    return int(st.session_state.get(key, 1)) - 1


def _waveform(recording: Recording, cues: tuple, cue_report: tbl.CueReport, selected: int) -> None:
    peaks = _peaks(str(recording.folder))
    flagged = set(cue_report.flags)
    chosen = cues[selected].id if cues else None
    whole = waveform.Span(0, max(recording.duration_ms, 1), height=64)
    st.image(waveform.draw(peaks, whole, cues, flagged, chosen), width="stretch")
    if chosen is not None:
        cue = cues[selected]
        span = waveform.Span(max(0, cue.start_ms - 6000), min(recording.duration_ms, cue.end_ms + 6000), height=120)
        st.image(waveform.draw(peaks, span, cues, flagged, chosen, boundaries=True), width="stretch")


@st.cache_resource(max_entries=8, show_spinner=False)
def _peaks(folder: str):
    return load_peaks(folder)


def _cue_table(ctx: PageContext, recording: Recording, session: ed.EditSession, cue_report: tbl.CueReport) -> None:
    job = recording.job
    worst = bool(st.session_state.get(f"worst:{job}"))
    order = tbl.display_order(session.cues, cue_report, worst)
    rows = tbl.table_rows(session.cues, order, cue_report, recording.machine_text)
    key = f"table:{job}:{revision(job)}:{int(worst)}"
    st.data_editor(
        rows,
        key=key,
        height=min(460, 36 * (len(rows) + 1) + 3),
        hide_index=True,
        column_order=tbl.COLUMNS,
        disabled=[c for c in tbl.COLUMNS if c not in tbl.EDITABLE],
        on_change=_table_edited,
        args=(key, job, order, recording.duration_ms),
        column_config={
            "#": st.column_config.NumberColumn(width=45),
            "start": st.column_config.TextColumn(width=95),
            "end": st.column_config.TextColumn(width=95),
            "line 1": st.column_config.TextColumn(width=260),
            "line 2": st.column_config.TextColumn(width=230),
            "speaker": st.column_config.TextColumn(width=80),
            "QA": st.column_config.TextColumn("QA flag", width=130),
            "tags": st.column_config.MultiselectColumn("tags", options=cue_panel.TAGS, width="medium"),
            "machine": st.column_config.TextColumn("machine (if different)", width="medium"),
        },
    )


def _table_edited(key: str, job: str, order: list[int], duration_ms: int) -> None:
    edits = st.session_state[key].get("edited_rows", {})
    session = current(job)
    cues, errors = tbl.apply_table_edits(session.cues, order, edits, duration_ms)
    for message in errors:
        flash("error", message)
    update(job, session.apply(lambda _cues: cues))


def _approval_downloads(recording: Recording, session: ed.EditSession) -> None:
    approval = latest_approval(recording.folder)
    if approval is None or approval.version != session.base_version or session.dirty:
        return
    with st.container(border=True):
        st.markdown(
            f"**Approved version {approval.version}** by {approval.approver} · machine CER {approval.cer:.1%}, "
            f"WER {approval.wer:.1%} · {approval.rows} rows in the evaluation set (set version {approval.set_version})"
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


_MIME = {".srt": "application/x-subrip", ".vtt": "text/vtt", ".json": "application/json"}
