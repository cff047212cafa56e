"""`python -m pipelines.evaluate [overrides]`: best model on the test split (conf/evaluate.yaml),
then its registry version (champion if it wins)."""

import sys
from pathlib import Path

import hydra

from ticket_triage.config import user_errors
from ticket_triage.config_groups import exit_on_unknown_choice


@hydra.main(config_path="../conf", config_name="evaluate", version_base="1.3")
def main(cfg):
    from ticket_triage.evaluation.report import evaluate  # TensorFlow loads here
    from ticket_triage.registry.register import register_evaluated

    with user_errors():
        register_evaluated(cfg, evaluate(cfg))


if __name__ == "__main__":
    exit_on_unknown_choice(sys.argv[1:], Path(__file__).parents[1] / "conf")
    main()
