"""`python -m pipelines.predict [overrides]`: triage an export with a model (conf/predict.yaml)."""

import sys
from pathlib import Path

import hydra

from ticket_triage.config import user_errors
from ticket_triage.config_groups import exit_on_unknown_choice


@hydra.main(config_path="../conf", config_name="predict", version_base="1.3")
def main(cfg):
    from ticket_triage.triage.bulk import triage_export

    with user_errors():
        triage_export(cfg)


if __name__ == "__main__":
    exit_on_unknown_choice(sys.argv[1:], Path(__file__).parents[1] / "conf")
    main()
