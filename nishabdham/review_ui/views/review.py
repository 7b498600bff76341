"""Review page: waveform, cue table, the selected cue's panel, save (new version), merge, approve."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pandas  # noqa: F401  st.data_editor imports it; importing here keeps 0.7 s out of the first review page
import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui import table as tbl
from nishabdham.review_ui import waveform
from nishabdham.review_ui.approval import job_output_options
from nishabdham.review_ui.drafts import DRAFTS, draft_path, read_draft
from nishabdham.review_ui.media import ensure_review_audio, load_peaks, review_audio_ready
from nishabdham.review_ui.recording import Recording, open_recording
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.versions import resolve, three_way_merge
from nishabdham.review_ui.views import cue_panel, find, wave
from nishabdham.review_ui.views.context import PageContext, flash, show_flashes
from nishabdham.review_ui.views.saving import approval_downloads, approve_now, doubts_panel, refreshing, save
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


def edit_session(ctx: PageContext, recording: Recording) -> EditSession:
    """The reviewer's working copy: the latest version, with their draft on top when they left one."""
    key = session_key(recording.job)
    if key not in st.session_state:
        version = ctx.versions.open(recording.job, recording.machine)
        path = draft_path(recording.folder, ctx.reviewer)
        st.session_state[f"draft:{recording.job}"] = (path, ctx.reviewer)
        DRAFTS.wait(path)
        draft = read_draft(path)
        if draft is not None and draft.base_version != version.number:
            version = ctx.versions.load(recording.job, draft.base_version)  # saving it offers the merge
        st.session_state[key] = EditSession.start(
            recording.job,
            version.number,
            version.cues,
            recording.duration_ms,
            ctx.settings.review_undo_depth,
            draft=None if draft is None else draft.cues,
        )
        if draft is not None and draft.cues != version.cues:
            st.session_state[f"restored:{recording.job}"] = draft.saved_at
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
    st.title(recording.name)
    st.session_state.pop(f"full-rerun:{recording.job}", None)  # this run redraws everything anyway
    restored = st.session_state.pop(f"restored:{recording.job}", None)
    if restored:
        st.info(
            f"Your unsaved edits from {restored} are back (a draft is kept as you edit).", icon=":material/restore:"
        )
    for warning in recording.transcript.warnings:
        st.warning(warning, icon=":material/report:")
    with st.container():  # always there, so what follows keeps its place in the page
        _conflict_panel(ctx, recording, session)
    with st.container():
        doubts_panel(ctx, recording)
    with st.container():
        shown = approval_downloads(recording, session)
    _speaker_names(recording, session)
    st.session_state[f"page:{recording.job}"] = _page_state(session, shown)
    _editor(ctx, recording)
    log.debug("review page for %s drawn in %.3f s", recording.job, time.perf_counter() - started)


def _page_state(session: EditSession, downloads_shown: bool) -> tuple:
    """What the part of the page outside the editor shows of the working copy: the speakers to name, and
    whether the approved version's downloads are offered (they go with the first edit)."""
    return ed.speakers_of(session.cues), downloads_shown


@st.fragment
def _editor(ctx: PageContext, recording: Recording) -> None:
    """Toolbar, waveform, the selected cue and the table: an edit here reruns only this part of the page
    (a full run would redraw the header, the approval panels and the speakers for nothing). When an edit
    changed what the rest of the page shows, or an action asked for it, the whole page runs again."""
    job = recording.job
    session = current(job)
    if st.session_state.pop(f"full-rerun:{job}", False) or _outside_changed(job, session):
        st.rerun(scope="app")
    show_flashes()  # messages of this run (a full run shows them at the top of the page)
    _toolbar(ctx, recording, session)
    cues = session.cues
    cue_report = _report(ctx, recording, session)
    selected = _selected_index(recording, cues)
    editor = _waveform(ctx, recording, cues, cue_report, selected)
    if cues:
        cue_panel.render(ctx, recording, session, selected, cue_report, lines_in_waveform=editor)
    _cue_table(ctx, recording, session, cue_report, selected)
    find.render(recording)


def _outside_changed(job: str, session: EditSession) -> bool:
    drawn = st.session_state.get(f"page:{job}")
    if drawn is None:
        return False
    speakers, downloads = drawn
    return speakers != ed.speakers_of(session.cues) or (downloads and session.dirty)


def _toolbar(ctx: PageContext, recording: Recording, session: EditSession) -> None:
    """State, Save, Undo, Approve, Shift (part of the editor: a save reruns the editor, not the page)."""
    job = recording.job
    state = "unsaved edits" if session.dirty else "no unsaved edits"
    st.caption(
        f"Job {job} · {len(session.cues)} cues · {ed.format_ms(recording.duration_ms)} · "
        f"editing version {session.base_version} · {state} · signed in as {ctx.reviewer}"
    )
    cols = st.columns([1, 1, 1, 1, 2, 1, 2], vertical_alignment="bottom")
    cols[0].button(
        "Save version",
        type="primary",
        on_click=save,
        args=(ctx, recording),
        disabled=not session.dirty,
        key="save",
        help="Your edits are kept as a draft as you make them; a version is what others and approval see.",
    )
    cols[1].button("Undo", on_click=_undo, args=(job,), disabled=not session.can_undo, key="undo")
    cols[2].button("Redo", on_click=_redo, args=(job,), disabled=not session.can_redo, key="redo")
    approvable = session.dirty or session.base_version > 0
    cols[3].button(
        "Approve",
        on_click=refreshing,
        args=(job, approve_now, ctx, recording, None),
        disabled=not approvable,
        key="approve",
        help="Saves your edits, exports the final subtitles and adds the reviewed cues to the evaluation set.",
    )
    shift = cols[4].number_input("Shift all cues (ms)", value=0, step=100, key=f"shift:{job}")
    cols[5].button(
        "Shift",
        on_click=_shift,
        args=(job, f"shift:{job}", recording.duration_ms),
        disabled=shift == 0,
        key="shift-all",
    )
    cols[6].toggle("Worst-flagged first", key=f"worst:{job}", on_change=_worst_first, args=(job,))
    for kind, message in st.session_state.pop(f"toolbar-msg:{job}", []):
        getattr(st, kind)(message)


def _worst_first(job: str) -> None:
    """Sorting worst first goes to the worst cue (the table shows the rows around the selected one)."""
    if st.session_state.get(f"worst:{job}"):
        cues = current(job).cues
        cue_report = st.session_state.get(f"report:{job}")
        if cues and cue_report is not None and cue_report[0] is cues:
            st.session_state[f"cue-no:{job}"] = tbl.display_order(cues, cue_report[1], True)[0] + 1


def _speaker_names(recording: Recording, session: EditSession) -> None:
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


def _shift(job: str, amount_key: str, duration_ms: int) -> None:
    """Shift by the amount in the box now (read when the button is pressed, not when it was drawn)."""
    run_edit(job, ed.shift_all, int(st.session_state[amount_key]), duration_ms)


def _undo(job: str) -> None:
    try:
        update(job, current(job).undo())
    except NishabdhamError as exc:
        flash("error", str(exc))


def _redo(job: str) -> None:
    try:
        update(job, current(job).redo())
    except NishabdhamError as exc:
        flash("error", str(exc))


# --------------------------------------------------------------------------- concurrent saves


def _conflict_panel(ctx: PageContext, recording: Recording, session: EditSession) -> None:
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
            merged = EditSession.start(
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


def _report(ctx: PageContext, recording: Recording, session: EditSession) -> tbl.CueReport:
    """Warnings and flags of the current cues (computed once per change, not once per click)."""
    key = f"report:{recording.job}"
    cached = st.session_state.get(key)
    if cached is not None and cached[0] is session.cues:
        return cached[1]
    shared = _saved_reports()
    saved = shared.get((recording.job, session.base_version))
    removed = recording.transcript.removed
    rules = job_output_options(recording, ctx.settings.rules)[0]  # the job's own rules
    if saved is not None and not session.dirty and saved[0] == session.cues:
        cue_report = saved[1]
    elif cached is not None:  # after an edit: only the cues it touched
        cue_report = tbl.updated_report(cached[0], cached[1], session.cues, rules, removed)
    else:
        cue_report = tbl.report(session.cues, rules, removed)
        if not session.dirty:
            shared[(recording.job, session.base_version)] = (session.cues, cue_report)
    st.session_state[key] = (session.cues, cue_report)
    return cue_report


def _selected_index(recording: Recording, cues: tuple) -> int:
    key = f"cue-no:{recording.job}"
    if key in st.session_state and st.session_state[key] > len(cues):
        st.session_state[key] = max(len(cues), 1)
    return int(st.session_state.get(key, 1)) - 1


def _waveform(ctx: PageContext, recording: Recording, cues: tuple, cue_report: tbl.CueReport, selected: int) -> bool:
    """The waveform editor (True: it has the selected cue's times and lines), else a picture (False)."""
    if wave.available():
        wave.render(ctx, recording, cues, cue_report, selected)
        st.toggle("Keyboard shortcuts", key="shortcut-help")
        return True
    st.caption("The waveform editor is not built here (`make setup` builds it): a picture of the waveform instead.")
    peaks = _peaks(str(recording.folder))
    flagged = set(cue_report.flags)
    chosen = cues[selected].id if cues else None
    whole = waveform.Span(0, max(recording.duration_ms, 1), height=64)
    st.image(waveform.draw(peaks, whole, cues, flagged, chosen), width="stretch")
    if chosen is not None:
        cue = cues[selected]
        span = waveform.Span(max(0, cue.start_ms - 6000), min(recording.duration_ms, cue.end_ms + 6000), height=120)
        st.image(waveform.draw(peaks, span, cues, flagged, chosen, boundaries=True), width="stretch")
    return False


@st.cache_resource(max_entries=8, show_spinner=False)
def _peaks(folder: str):
    return load_peaks(folder)


def _cue_table(
    ctx: PageContext, recording: Recording, session: EditSession, cue_report: tbl.CueReport, selected: int
) -> None:
    """The cue table: the rows around the selected cue (``review_table_rows``), or every cue on request."""
    job = recording.job
    worst = bool(st.session_state.get(f"worst:{job}"))
    order = tbl.display_order(session.cues, cue_report, worst)
    rows_wanted = ctx.settings.review_table_rows
    if 0 < rows_wanted < len(order) and st.toggle(f"Table: all {len(order)} cues", key=f"all-rows:{job}"):
        rows_wanted = 0  # every row: each edit of a long recording then shows later (the whole table is sent)
    first, end = tbl.window(order, selected, rows_wanted)
    if end - first < len(order):
        st.caption(f"Cues {first + 1}–{end} of {len(order)} in table order, around the selected cue.")
    order = order[first:end]
    rows = tbl.table_rows(session.cues, order, cue_report, recording.machine_text, selected)
    key = f"table:{job}:{revision(job)}:{int(worst)}:{first}:{end}:{st.session_state.get(f'table-gen:{job}', 0)}"
    st.data_editor(
        rows,
        key=key,
        height=min(720, 36 * (len(rows) + 1) + 3),
        hide_index=True,
        column_order=tbl.COLUMNS,
        disabled=[c for c in tbl.COLUMNS if c not in tbl.EDITABLE],
        on_change=_table_edited,
        args=(key, job, order, recording.duration_ms),
        column_config={
            "open": st.column_config.CheckboxColumn("▶", width=30, help="Tick to open this cue above"),
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
    """A table change: it selects its row's cue, and its edits go through the one edit function."""
    edits = st.session_state[key].get("edited_rows", {})
    session = current(job)
    touched = tbl.touched_cue(order, edits)
    cues, errors = tbl.apply_table_edits(session.cues, order, edits, duration_ms)
    for message in errors:
        flash("error", message)
    update(job, session.apply(lambda _cues: cues))
    if touched is not None:
        cue_id = session.cues[touched].id
        st.session_state[f"cue-no:{job}"] = ed.index_of(current(job).cues, cue_id) + 1
    st.session_state[f"table-gen:{job}"] = st.session_state.get(f"table-gen:{job}", 0) + 1
