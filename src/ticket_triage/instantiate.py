"""Objects built from config nodes by Hydra's ``instantiate``: how every group is turned into code.

A node of ``conf/`` names what it builds (``_target_``) beside that constructor's arguments, so
the YAML is the only home of each default and a new model, loop, optimizer or callback is a new
node, not new code. Objects known only at run time (the data's model spec, the number of
classes, the training split's size) come in as keyword arguments; a ``_partial_: true`` node
builds a function still waiting for them (the loops, called with the model and the data).

Two keys are the project's own, not arguments, and ``build`` leaves them out: ``name``, the
option the node came from (recorded with the run and in ``models/spec.json``), and ``enabled``,
which switches a callback off.

Example:
    >>> from omegaconf import OmegaConf
    >>> node = OmegaConf.create({"name": "pair", "_target_": "builtins.dict", "width": 8})
    >>> build(node, depth=2)
    {'width': 8, 'depth': 2}
"""

import functools

import hydra
from hydra.errors import InstantiationException
from omegaconf import OmegaConf

from ticket_triage.errors import ConfigError

LABELS = ("name", "enabled")


def build(node, **runtime):
    """Call ``node``'s ``_target_`` with its arguments and ``runtime``'s (the function with them
    all bound, for a ``_partial_: true`` node).

    ``instantiate`` binds the node's own arguments (``_partial_``); the runtime objects are then
    passed as they are, where ``instantiate`` itself would turn a dataclass into a config. A
    ``_target_`` that names nothing importable is a ``ConfigError`` (one line); what the target
    raises comes out unchanged (a model's own ``ConfigError``, or a traceback).
    """
    settings = {
        key: value
        for key, value in OmegaConf.to_container(node, resolve=True).items()
        if key not in LABELS
    }
    deferred = settings.pop("_partial_", False)
    try:
        target = hydra.utils.instantiate(settings, _partial_=True)
    except InstantiationException as error:
        if isinstance(error.__cause__, ImportError):
            raise ConfigError(
                f"{node._get_full_key(None)}._target_ = '{settings['_target_']}' "
                "names no class or function that can be imported"
            ) from error
        raise
    return functools.partial(target, **runtime) if deferred else target(**runtime)
