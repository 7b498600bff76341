"""The selected cue: its exact audio, the machine's original beside the edit, tags, split, merge, glossary."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.evaluation.manifest import ERROR_TAGS
from nishabdham.pipeline.cues.rules import CueRules
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.approval import job_output_options
from nishabdham.review_ui.edits import CueEdit, delete_cue, insert_cue, line_two_follows
from nishabdham.review_ui.glossary import KINDS, add_term, reviewed_term, user_glossary
from nishabdham.review_ui.media import clip_wav_bytes
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.session import EditSession
from nishabdham.review_ui.table import CueReport
from nishabdham.review_ui.views import library as library_view
from nishabdham.review_ui.views.context import PageContext, flash
from nishabdham.review_ui.views.state import current, edit_cue, revision, run_edit, update

TAGS = list(ERROR_TAGS)
TAG_LABELS = {
    "cultural-term": "culturally significant term",
    "phonetic": "phonetic mishearing",
    "script": "wrong script / transliteration",
    "english-word": "English word",
    "timing": "timing",
    "segmentation": "segmentation",
    "hallucination": "hallucination",
}


def render(
    ctx: PageContext,
    recording: Recording,
    session: EditSession,
    index: int,
    cue_report: CueReport,
    lines_in_waveform: bool = False,
) -> None:
    """The selected cue's panel; with ``lines_in_waveform`` its times and lines are edited in the waveform
    editor above (which shows an edit at once), and this panel keeps the rest."""
    job, cues = recording.job, session.cues
    cue = cues[index]
    suffix = f"{job}:{cue.id}:{revision(job)}"
    listen, edit, more = st.columns([4, 5, 4], gap="medium")
    with listen:
        st.number_input("Cue", min_value=1, max_value=len(cues), step=1, key=f"cue-no:{job}")
        flags = cue_report.flags.get(cue.id, ())
        st.markdown(
            f"**Cue {index + 1}** · {ed.format_ms(cue.start_ms)} → {ed.format_ms(cue.end_ms)}"
            + (f" · :orange[{', '.join(flags)}]" if flags else "")
        )
        st.audio(clip_wav_bytes(recording.review_wav, cue.start_ms, cue.end_ms), format="audio/wav")
        _machine_original(recording, cue)
        library_view.cue_match(ctx, recording, cue, suffix)  # a poem library match, and rejecting it (issue 22)
    with edit:
        _edit_fields(recording, cue, suffix, lines_in_waveform)
        for problem in cue_report.warnings.get(cue.id, []):
            st.warning(problem, icon=":material/warning:")
    with more:
        rules = job_output_options(recording, ctx.settings.rules)[0]  # the job's own subtitle rules
        _split_and_merge(recording, session, index, suffix, rules)
        _insert_and_delete(recording, session, index, suffix, rules.min_gap_ms)
        _glossary_form(ctx, recording, cue, suffix)


def _machine_original(recording: Recording, cue: ed.ReviewCue) -> None:
    """What the machine heard over exactly this cue's audio (after a split or merge: that piece)."""
    if cue.origin:
        st.caption(ed.origin_label(cue))
    st.caption("The machine heard")
    heard = recording.machine_text.heard(cue)
    st.text(heard.text or "(nothing)")
    if heard.second:
        st.text(heard.second)
    if heard.text:
        st.caption(f"{ed.format_ms(heard.start_ms)} → {ed.format_ms(heard.end_ms)}")


def _edit_fields(recording: Recording, cue: ed.ReviewCue, suffix: str, lines_in_waveform: bool) -> None:
    """Each field applies itself when it changes (Ctrl+Enter or leaving it): no Apply, and the draft is kept."""
    job = recording.job

    def field(name: str, key: str):
        return {"on_change": _field_changed, "args": (job, cue.id, name, key), "key": key}

    if not lines_in_waveform:
        st.text_area("Line 1", cue.text, height=80, **field("text", f"text:{suffix}"))
        st.text_area("Line 2", cue.second, height=68, **field("second", f"second:{suffix}"))
    st.checkbox(
        "Line 2 follows line 1 (ISO 15919 transliteration)",
        line_two_follows(cue),
        **field("follow", f"derive:{suffix}"),
    )
    if lines_in_waveform:
        st.text_input("Speaker", cue.speaker, **field("speaker", f"speaker:{suffix}"))
    else:
        a, b, c = st.columns(3)
        a.text_input("Start", ed.format_ms(cue.start_ms), **field("start", f"start:{suffix}"))
        b.text_input("End", ed.format_ms(cue.end_ms), **field("end", f"end:{suffix}"))
        c.text_input("Speaker", cue.speaker, **field("speaker", f"speaker:{suffix}"))
    st.multiselect(
        "Error tags", TAGS, default=list(cue.tags), format_func=TAG_LABELS.get, **field("tags", f"tags:{suffix}")
    )


def field_edit(cue_id: str, name: str, value) -> CueEdit:
    """The edit one form field asks for (times parsed; ReviewError when a time is not one)."""
    if name in ("start", "end"):
        return CueEdit(cue_id, **{f"{name}_ms": ed.parse_time(value)})
    if name == "follow":
        return CueEdit(cue_id, follow=bool(value) or None)
    if name == "tags":
        return CueEdit(cue_id, tags=tuple(value or ()))
    return CueEdit(cue_id, **{name: str(value or "")})


def _field_changed(job: str, cue_id: str, name: str, key: str) -> None:
    try:
        edit = field_edit(cue_id, name, st.session_state[key])
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    edit_cue(job, edit)


def _split_and_merge(recording: Recording, session: EditSession, index: int, suffix: str, rules: CueRules) -> None:
    """Split before a chosen word, or merge with the next cue: both retimed to the job's subtitle rules."""
    cue = session.cues[index]
    words = cue.text.split()
    left, right = st.columns(2, vertical_alignment="bottom")
    if len(words) > 1:
        left.selectbox(
            "Split before word",
            range(1, len(words)),
            format_func=lambda k: f"{k + 1}: {words[k]}",
            key=f"split-at:{suffix}",
        )
        left.button(
            "Split",
            on_click=_split,
            args=(recording.job, cue.id, f"split-at:{suffix}", rules, session.duration_ms),
            key=f"split:{suffix}",
        )
    right.button(
        "Merge with next",
        on_click=run_edit,
        args=(recording.job, ed.merge_with_next, cue.id, rules, session.duration_ms),
        disabled=index + 1 >= len(session.cues),
        key=f"merge-next:{suffix}",
    )


def _split(job: str, cue_id: str, word_key: str, rules: CueRules, duration_ms: int) -> None:
    """Split at the word chosen now (read when the button is pressed, not when it was drawn)."""
    run_edit(job, ed.split_cue, cue_id, int(st.session_state[word_key]), rules, duration_ms)


def _insert_and_delete(recording: Recording, session: EditSession, index: int, suffix: str, gap_ms: int) -> None:
    left, right = st.columns(2, vertical_alignment="bottom")
    left.button(
        "Insert a cue after",
        on_click=_insert,
        args=(recording.job, session.cues[index].end_ms, gap_ms),
        key=f"insert:{suffix}",
        help="An empty cue in the gap after this one (speech the machine gave no cue).",
    )
    right.button("Delete cue", on_click=_delete, args=(recording.job, session.cues[index].id), key=f"delete:{suffix}")


def _insert(job: str, at_ms: int, gap_ms: int) -> None:
    session = current(job)
    try:
        cues, new_id = insert_cue(session.cues, at_ms, session.duration_ms, gap_ms=gap_ms)
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    update(job, session.apply(lambda _cues: cues))
    st.session_state[f"cue-no:{job}"] = ed.index_of(cues, new_id) + 1


def _delete(job: str, cue_id: str) -> None:
    if run_edit(job, delete_cue, cue_id):
        count = len(current(job).cues)
        st.session_state[f"cue-no:{job}"] = max(1, min(st.session_state.get(f"cue-no:{job}", 1), count))


def _glossary_form(ctx: PageContext, recording: Recording, cue: ed.ReviewCue, suffix: str) -> None:
    heard = recording.machine_text.for_cue(cue).split()
    written = set(cue.text.split())
    new_words = [w for w in cue.text.split() if w not in set(heard)]
    misheard = [w.lower().strip(".,!?;:") for w in heard if w not in written and w.isascii()]
    with st.expander("Add a term to the glossary"):
        with st.form(f"glossary:{suffix}", border=False):
            telugu = st.text_input("Term (Telugu)", " ".join(new_words[:1]))
            gloss = st.text_input("What it is", placeholder="e.g. Bammera Potana, poet of the Bhagavatamu")
            kind = st.selectbox("Kind", KINDS, index=KINDS.index("term"))
            variants = st.text_input("Machine's spellings (Latin, comma-separated)", ", ".join(misheard))
            iso = st.text_input("ISO 15919 (optional, derived from the Telugu)")
            if st.form_submit_button("Add to glossary"):
                path = user_glossary(ctx.data_dir)
                try:
                    term = reviewed_term(telugu, gloss, kind, iso, [v for v in variants.split(",") if v.strip()])
                    add_term(path, term, reviewer=ctx.reviewer, job=recording.job)
                except NishabdhamError as exc:
                    flash("error", str(exc))
                else:
                    flash("success", f"Added {term.telugu} ({term.iso}) to the glossary {path}.")
                st.rerun()
