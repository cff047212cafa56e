"""Where a benchmark's stages write: every ``paths`` folder under one scratch folder.

Example:
    >>> path_overrides("/tmp/run")[0]
    'paths.data_dir=/tmp/run/data'
"""


def path_overrides(root):
    """Hydra overrides that put data, models, reports and backups under ``root``."""
    return [
        f"paths.data_dir={root}/data",
        f"paths.models_dir={root}/models",
        f"paths.reports_dir={root}/reports",
        f"paths.backup_dir={root}/backup",
    ]
