"""What every page gets: the settings, the signed-in reviewer, the stores, and flash messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import streamlit as st

from nishabdham.review_ui.recording import reviews_dir
from nishabdham.review_ui.versions import VersionStore
from nishabdham.settings import Settings


@dataclass
class PageContext:
    settings: Settings
    reviewer: str
    pages: dict = field(default_factory=dict)
    """The app's pages by url path, for links between them."""

    @property
    def data_dir(self) -> Path:
        return Path(self.settings.data_dir)

    @cached_property
    def versions(self) -> VersionStore:
        return VersionStore(reviews_dir(self.data_dir))

    @property
    def jobs(self):
        """The job store of issue 4 (one per database for the whole server: its pool is shared)."""
        from nishabdham.workers.store import database_url

        return _job_store(database_url(self.settings))


@st.cache_resource(show_spinner=False)
def _job_store(url: str):
    from nishabdham.workers.store import JobStore

    return JobStore(url)


def flash(kind: str, message: str) -> None:
    """A message shown once, at the top of the next run of the page."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    """Messages in a container that is always there, so the elements below keep their places
    (an element inserted above them would make the browser draw the table and charts again)."""
    box = st.container()
    for kind, message in st.session_state.pop("_flash", []):
        getattr(box, kind)(message)
