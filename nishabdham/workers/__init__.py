"""Celery workers that run the pipeline for whole folders (see nishabdham.workers.celery_app)."""
