"""The top floor: the ``nishabdham`` command line (see docs/ARCHITECTURE.md)."""
