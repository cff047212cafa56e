"""MLflow tracking: where the store is, what a run records, and the callback every loop drives."""
