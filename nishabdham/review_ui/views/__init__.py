"""Streamlit pages of the review UI: render functions over the plain logic in ``review_ui``."""
