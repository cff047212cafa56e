"""`predict`'s mistakes read like the other stages': one line naming what is wrong, exit 2."""

import pytest

from tests.test_config_errors import run_stage

pytestmark = pytest.mark.trains  # trains models: left out of make test-fast


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["predict.output=triaged.txt"],
            "error: predict.output = 'triaged.txt': the file must end in .csv, .parquet, .pq",
        ),
        (
            ["paths.models_dir=no/such/models"],
            "error: no trained model at no/such/models/serving.keras: run `dvc repro train`",
        ),
        (
            ["predict.model_uri=models:/no-such-model@champion", "predict.tracking_uri={store}"],
            "error: cannot load predict.model_uri=models:/no-such-model@champion from sqlite:///",
        ),
        (
            ["data=csv", "data.path=no/such/export.csv"],
            "error: cannot read no/such/export.csv: no such file",
        ),
        (
            ["triage.priority_bands.low=0.1"],
            "error: triage.priority_bands = {'low': 0.1, 'normal': 0.3, 'high': 0.6, 'urgent': 0.8}"
            ": the lowest band must start at 0",
        ),
    ],
)
def test_predict_says_what_is_wrong_in_one_line(tmp_path, overrides, message):
    store = f"sqlite:///{tmp_path}/mlruns.db"
    overrides = [override.replace("{store}", store) for override in overrides]
    result = run_stage("predict", f"predict.output={tmp_path}/out.csv", *overrides)
    assert result.returncode == 2, result.stderr[-2000:]
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert errors[0].startswith(message)
