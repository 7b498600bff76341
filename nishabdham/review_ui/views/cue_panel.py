"""The selected cue: its exact audio, the machine's original beside the edit, tags, split, merge, glossary."""

from __future__ import annotations

import streamlit as st

from nishabdham.errors import NishabdhamError
from nishabdham.evaluation.manifest import ERROR_TAGS
from nishabdham.review_ui import editing as ed
from nishabdham.review_ui.glossary import KINDS, add_term, reviewed_term, user_glossary
from nishabdham.review_ui.media import clip_wav_bytes
from nishabdham.review_ui.recording import Recording
from nishabdham.review_ui.table import CueReport
from nishabdham.review_ui.views import library as library_view
from nishabdham.review_ui.views.context import PageContext, flash
from nishabdham.review_ui.views.state import revision, run_edit

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


def render(ctx: PageContext, recording: Recording, session: ed.EditSession, index: int, cue_report: CueReport) -> None:
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
        _edit_form(ctx, recording, cue, suffix)
        for problem in cue_report.warnings.get(cue.id, []):
            st.warning(problem, icon=":material/warning:")
    with more:
        _split_and_merge(recording, session, index, suffix, ctx.settings.rules.min_gap_ms)
        _glossary_form(ctx, recording, cue, suffix)


def _machine_original(recording: Recording, cue: ed.ReviewCue) -> None:
    if cue.origin:
        st.caption(ed.origin_label(cue))
    st.caption("The machine heard")
    original = recording.machine_text.original(cue.id)
    st.text(recording.machine_text.for_cue(cue) or "(nothing)")
    if original is not None and original.second:
        st.text(original.second)
    if original is not None:
        st.caption(f"{ed.format_ms(original.start_ms)} → {ed.format_ms(original.end_ms)}")


def _edit_form(ctx: PageContext, recording: Recording, cue: ed.ReviewCue, suffix: str) -> None:
    from nishabdham.pipeline.codeswitch import second_line

    follows = bool(cue.second) and cue.second == second_line(cue.text)
    with st.form(f"cue-form:{suffix}", border=False):
        text = st.text_area("Line 1", cue.text, height=80, key=f"text:{suffix}")
        second = st.text_area("Line 2", cue.second, height=68, key=f"second:{suffix}")
        derive = st.checkbox("Line 2 follows line 1 (ISO 15919 transliteration)", follows, key=f"derive:{suffix}")
        a, b, c = st.columns(3)
        start = a.text_input("Start", ed.format_ms(cue.start_ms), key=f"start:{suffix}")
        end = b.text_input("End", ed.format_ms(cue.end_ms), key=f"end:{suffix}")
        speaker = c.text_input("Speaker", cue.speaker, key=f"speaker:{suffix}")
        tags = st.multiselect(
            "Error tags", TAGS, default=list(cue.tags), format_func=TAG_LABELS.get, key=f"tags:{suffix}"
        )
        if st.form_submit_button("Apply edit", type="primary"):
            try:
                start_ms, end_ms = ed.parse_time(start), ed.parse_time(end)
            except NishabdhamError as exc:
                flash("error", str(exc))
                st.rerun()
            if derive:
                second = second_line(ed.clean_text(text))
            run_edit(
                recording.job,
                ed.update_cue,
                cue.id,
                duration_ms=recording.duration_ms,
                text=text,
                second=second,
                speaker=speaker,
                tags=tags,
                start_ms=start_ms,
                end_ms=end_ms,
            )
            st.rerun()


def _split_and_merge(recording: Recording, session: ed.EditSession, index: int, suffix: str, gap_ms: int) -> None:
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
            "Split", on_click=_split, args=(recording.job, cue.id, f"split-at:{suffix}", gap_ms), key=f"split:{suffix}"
        )
    right.button(
        "Merge with next",
        on_click=run_edit,
        args=(recording.job, ed.merge_with_next, cue.id),
        disabled=index + 1 >= len(session.cues),
        key=f"merge-next:{suffix}",
    )


def _split(job: str, cue_id: str, word_key: str, gap_ms: int) -> None:
    """Split at the word chosen now (read when the button is pressed, not when it was drawn)."""
    run_edit(job, ed.split_cue, cue_id, int(st.session_state[word_key]), gap_ms)


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
