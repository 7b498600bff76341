"""The stages of the subtitle pipeline, one module each (see README, "Architecture")."""
