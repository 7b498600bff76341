"""Nishabdham Subtitles: timestamped, bilingual subtitles for Telugu poetry readings."""

__version__ = "0.1.0"
