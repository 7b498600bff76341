"""Streamlit entry script of the review UI (`nishabdham review` runs it).

Not named ``app.py``: Streamlit puts this folder first on ``sys.path``, where a
module called ``app`` would hide the project's ``app`` package.
"""

from nishabdham.review_ui.views.shell import run

run()
