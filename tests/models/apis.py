"""The chapter's model APIs as ``conf/model/`` names them: option -> the builder its ``_target_``
names, for tests that build each with settings of their own."""

from hydra.utils import get_method
from omegaconf import OmegaConf

from tests.conftest import CONF

BUILDERS = {
    path.stem: get_method(OmegaConf.load(path)._target_)
    for path in sorted((CONF / "model").glob("*.yaml"))
}
