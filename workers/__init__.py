"""Celery workers that run the pipeline for whole folders (see workers.celery_app)."""
