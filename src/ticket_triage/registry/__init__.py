"""After ``evaluate`` scores a model: its MLflow registry version, and whether it becomes champion.

A step of its own (``register.register_evaluated``), which ``pipelines/evaluate.py`` runs after
scoring: evaluation does not depend on the registry, and the registry reads the evaluation's
numbers rather than computing any.
"""
