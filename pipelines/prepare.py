"""`python -m pipelines.prepare [overrides]`: raw tickets -> data/prepared/ (conf/prepare.yaml)."""

import sys
from pathlib import Path

import hydra

from ticket_triage.config import user_errors
from ticket_triage.config_groups import exit_on_unknown_choice
from ticket_triage.data.prepare import prepare_dataset


@hydra.main(config_path="../conf", config_name="prepare", version_base="1.3")
def main(cfg):
    with user_errors():
        prepare_dataset(cfg)


if __name__ == "__main__":
    exit_on_unknown_choice(sys.argv[1:], Path(__file__).parents[1] / "conf")
    main()
