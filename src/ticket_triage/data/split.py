"""Seeded train/val/test splits, stratified by a label, with classes too rare to split kept whole.

Each row draws a random number; within its class, rows are ranked by that number and the lowest
``test_fraction`` go to test, the next ``val_fraction`` to val, the rest to train. So every class
keeps its share in every split, and the same seed gives the same split.

A class with fewer rows than it takes to put one in every split is sent to train whole and
reported, instead of crashing or leaking a lone example into evaluation.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"department": ["a"] * 8 + ["b"] * 2})
    >>> splits, rare = split_frame(frame, "department", 0.25, 0.25, seed=0)
    >>> {name: len(part) for name, part in splits.items()}, rare
    ({'train': 6, 'val': 2, 'test': 2}, ['b'])
"""

import math

import numpy as np
import pandas as pd

from ticket_triage.errors import ConfigError

SPLITS = ("train", "val", "test")


def split_frame(frame, stratify_by, val_fraction, test_fraction, seed):
    """Split ``frame`` into train, val and test.

    Args:
        frame: the rows to split (duplicates already dropped, so none can cross splits).
        stratify_by: the column to stratify by, or ``None`` for a plain random split.
        val_fraction: share of each class for validation.
        test_fraction: share of each class for test.
        seed: random seed (an int or a ``numpy.random.SeedSequence``).

    Returns:
        ``({"train": df, "val": df, "test": df}, rare_classes)``.
    """
    if not 0 <= val_fraction < 1 or not 0 <= test_fraction < 1 or val_fraction + test_fraction >= 1:
        raise ConfigError(
            f"split fractions val={val_fraction}, test={test_fraction} must be in [0, 1) "
            "and leave rows for training"
        )
    draw = pd.Series(np.random.default_rng(seed).random(len(frame)), index=frame.index)
    if stratify_by is None:
        groups, rare = pd.Series(0, index=frame.index), []
    else:
        groups = frame[stratify_by]
        needed = _rows_for_every_split(val_fraction, test_fraction)
        sizes = groups.value_counts()
        rare = sorted(sizes[sizes < needed].index.tolist())
    rank = draw.groupby(groups).rank(method="first", pct=True)
    assigned = np.select(
        [rank <= test_fraction, rank <= test_fraction + val_fraction], ["test", "val"], "train"
    )
    if rare:
        assigned[groups.isin(rare).to_numpy()] = "train"
    splits = {name: frame[assigned == name].reset_index(drop=True) for name in SPLITS}
    return splits, rare


def _rows_for_every_split(val_fraction, test_fraction):
    """The smallest class size that puts at least one row in each non-empty split."""
    fractions = [fraction for fraction in (val_fraction, test_fraction) if fraction > 0]
    return max([math.ceil(1 / fraction) for fraction in fractions] + [2])
