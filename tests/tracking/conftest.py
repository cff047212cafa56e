"""A SQLite MLflow store shared by the tracking tests: creating its tables takes seconds."""

import pytest
from omegaconf import OmegaConf


@pytest.fixture(scope="session")
def store_uri(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('store')}/mlruns.db"


@pytest.fixture
def tracking_cfg(store_uri, request):
    """A ``tracking`` config on the shared store, with an experiment of the test's own."""
    return OmegaConf.create({"enabled": True, "uri": store_uri, "experiment": request.node.name})
