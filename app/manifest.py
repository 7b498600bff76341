"""Evaluation-set manifests: JSON Lines in NeMo / Hugging Face style.

One row per utterance. ``audio_filepath`` is relative to the manifest's folder
(or absolute); ``offset`` and ``duration`` (seconds) select part of the file.
Rows made from reviewed cues also carry the machine's ``hypothesis``, the
reviewer's error ``tags``, the ``reviewer`` and the ``job``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: Error categories a reviewer can give a corrected cue (also the per-category metrics).
ERROR_TAGS = (
    "cultural-term",
    "phonetic",
    "script",
    "english-word",
    "timing",
    "segmentation",
    "hallucination",
)

#: Languages a row may declare.
LANGUAGES = ("te", "en", "te-en")


class ManifestRow(BaseModel):
    """One utterance of an evaluation set."""

    model_config = ConfigDict(extra="allow")

    audio_filepath: str = Field(description="Audio file, relative to the manifest's folder or absolute.")
    duration: float | None = Field(None, ge=0, description="Seconds of audio (from offset) that the text covers.")
    offset: float = Field(0.0, ge=0, description="Where the utterance starts in the file, seconds.")
    text: str = Field(description="The reference (reviewed) transcript.")
    lang: str = Field("te", description="te, en or te-en (code-switched).")
    hypothesis: str | None = Field(None, description="What the machine wrote, before review.")
    tags: list[str] = Field(default_factory=list, description="Reviewer's error categories, from ERROR_TAGS.")
    reviewer: str | None = None
    job: str | None = None
