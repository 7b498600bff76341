"""Models page (operators): adapted models with their cards, and adapting Whisper on the approved reviews.

Adapting runs on a worker (the ``nishabdham.adapt_model`` task, which needs the ``adapt`` extra):
it trains on the newest approval of every reviewed recording, holds whole recordings out, and
installs the model only when the held-out rows did not get worse. Workers then use it with
``NISHABDHAM_MODEL=<name>``; ``nishabdham transcribe --model <name>`` on the command line.
"""

from __future__ import annotations

import logging

import streamlit as st

from nishabdham.adapt.registry import check_name, installed
from nishabdham.errors import NishabdhamError
from nishabdham.review_ui.evalsets import MANIFEST, reviewed_set_dir
from nishabdham.review_ui.views.context import PageContext, flash

log = logging.getLogger(__name__)

REFRESH_S = 5.0
_TASKS = "adapt-tasks"


def render(ctx: PageContext) -> None:
    st.title("Adapted models")
    st.caption(
        "Whisper adapted to your readers from approved reviews. In use: "
        f"`{ctx.settings.model}` (workers choose it with NISHABDHAM_MODEL)."
    )
    models = installed(ctx.data_dir)
    if not models:
        st.info("No adapted model yet.")
    for model in models:
        card = model.card
        held = next((c for c in card.get("checks", []) if c.get("name") == "held-out"), None)
        figures = f"held-out CER {held['before']['cer']} → {held['after']['cer']}" if held else "not checked"
        with st.expander(f"**{model.name}** — {card.get('rows', {}).get('train', '?')} rows, {figures}"):
            readme = model.path / "README.md"
            st.markdown(readme.read_text(encoding="utf-8") if readme.is_file() else "(no model card)")
    _adapt_form(ctx)
    if st.session_state.get(_TASKS):
        st.fragment(run_every=REFRESH_S)(_task_states)(ctx)


def _adapt_form(ctx: PageContext) -> None:
    manifest = reviewed_set_dir(ctx.data_dir) / MANIFEST
    st.subheader("Adapt on the approved reviews")
    if not manifest.is_file():
        st.info("Approve a reviewed recording first: its cues are what the model learns from.")
        return
    with st.form("adapt"):
        name = st.text_input("Name of the new model", placeholder="reader-name")
        minutes = st.number_input("Longest training time (minutes)", min_value=1, max_value=600, value=30)
        replace = st.checkbox("Replace a model of that name")
        if st.form_submit_button("Adapt", type="primary"):
            _send(ctx, str(manifest), name.strip(), {"max_minutes": float(minutes), "replace": replace})
            st.rerun()


def _send(ctx: PageContext, manifest: str, name: str, options: dict) -> None:
    from nishabdham.workers.queue import send_adapt

    try:
        check_name(name)
        task = send_adapt(manifest, name, options, ctx.settings)
    except NishabdhamError as exc:
        flash("error", str(exc))
        return
    log.info("%s started adapting %s (task %s)", ctx.reviewer, name, task)
    st.session_state.setdefault(_TASKS, {})[task] = name
    flash("success", f"Adapting {name} on a worker (task {task}); this page follows it.")


def _task_states(ctx: PageContext) -> None:
    from celery.result import AsyncResult

    from nishabdham.workers.celery_app import make_app

    app = make_app(ctx.settings)
    for task, name in st.session_state.get(_TASKS, {}).items():
        result = AsyncResult(task, app=app)
        info = result.info if isinstance(result.info, dict) else {}
        if result.state == "PROGRESS":
            st.progress(float(info.get("progress", 0.0)), text=f"{name}: {info.get('stage', '')}")
        elif result.state == "SUCCESS":
            outcome = result.result or {}
            if outcome.get("installed"):
                st.success(f"{name} is installed.")
            else:
                st.error(f"{name}: {outcome.get('refusal')}")
        elif result.state == "FAILURE":
            st.error(f"{name}: {result.result}")
        else:
            st.caption(f"{name}: {result.state.lower()} (waiting for a worker)")
