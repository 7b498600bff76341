"""Adapting Whisper to a reader from reviewed rows (``nishabdham adapt``), and models users bring.

Light to import: torch and transformers (the ``adapt`` extra) are imported only by the modules
that train or convert, and a clear DependencyError names the extra when they are missing.
"""
