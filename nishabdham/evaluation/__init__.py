"""Evaluation sets, metrics over aksharas, the dev-set runner, comparisons and reports."""
