"""Hydra entry points, one per DVC stage: compose the config, call one library function."""
