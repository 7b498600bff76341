"""The Streamlit review UI where editors listen, correct and approve subtitles."""
