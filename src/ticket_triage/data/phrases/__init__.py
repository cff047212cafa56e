"""The phrase tables of the synthetic tickets, kept as data: one YAML file per language
(``en.yaml``, ``zh.yaml``) and the long tail's extra departments (``en_long_tail.yaml``), shipped
inside the package and read with :mod:`importlib.resources`, so an installed wheel has them too.

Example:
    >>> book = phrasebook("zh")
    >>> book.titles["billing"][0], len(book.titles["billing"])
    ('本月被重复扣款', 10)
"""

import dataclasses
import functools
from importlib import resources

import yaml

LANGUAGES = ("en", "zh")


@dataclasses.dataclass(frozen=True)
class Phrasebook:
    """The phrases of one language. Every table is as long as the English one, so that one seed
    picks the same entries (the same ticket, translated) in every language."""

    separator: str  # between the sentences of a body
    started: tuple  # (before, after) a ``when`` phrase
    products: tuple
    titles: dict  # department -> phrases
    sentences: dict  # department -> phrases
    openers: tuple
    shared: tuple
    closers: tuple
    urgent: tuple
    calm: tuple
    urgent_title: tuple
    calm_title: tuple
    when: tuple
    tech_detail: tuple
    tags: dict  # department -> tags
    common_tags: tuple


@functools.cache
def phrasebook(language):
    """The :class:`Phrasebook` of ``language`` (one of :data:`LANGUAGES`)."""
    return Phrasebook(**tables(language))


@functools.cache
def tables(name):
    """The tables of ``<name>.yaml``, lists as tuples."""
    text = (resources.files(__name__) / f"{name}.yaml").read_text(encoding="utf-8")
    return {key: _frozen(value) for key, value in yaml.safe_load(text).items()}


def _frozen(value):
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, dict):
        return {key: _frozen(item) for key, item in value.items()}
    return value
