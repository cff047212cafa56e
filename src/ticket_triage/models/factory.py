"""``model=`` -> a built ticket model. The one place that knows every model API.

Example:
    >>> from omegaconf import OmegaConf
    >>> from ticket_triage.models.spec import TicketSpec
    >>> cfg = OmegaConf.create({"name": "functional", "width": 8})
    >>> build_model(cfg, TicketSpec(20, 30, 5, num_departments=4)).name
    'functional_ticket_model'
"""

from ticket_triage.errors import unknown_choice
from ticket_triage.models.functional import build_functional_model
from ticket_triage.models.mixed import build_mixed_model
from ticket_triage.models.sequential import build_sequential_model
from ticket_triage.models.subclassed import build_subclassed_model

BUILDERS = {
    "functional": build_functional_model,
    "subclassed": build_subclassed_model,
    "mixed": build_mixed_model,
    "sequential": build_sequential_model,
}


def build_model(model_cfg, spec, sparse=False):
    """Build the model named by ``model_cfg.name`` with its trunk settings, for ``spec``'s data."""
    if model_cfg.name not in BUILDERS:
        raise unknown_choice("model.name", model_cfg.name, BUILDERS)
    return BUILDERS[model_cfg.name](
        spec,
        width=model_cfg.get("width", 64),
        depth=model_cfg.get("depth", 1),
        dropout=model_cfg.get("dropout", 0.0),
        batch_norm=model_cfg.get("batch_norm", False),
        sparse=sparse,
        wide=model_cfg.get("wide", 0),
    )
