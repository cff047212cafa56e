"""`python -m pipelines.train [overrides]`: prepared data -> models/, reports/ (conf/train.yaml)."""

import sys
from pathlib import Path

import hydra

from ticket_triage.config import user_errors
from ticket_triage.config_groups import exit_on_unknown_choice


@hydra.main(config_path="../conf", config_name="train", version_base="1.3")
def main(cfg):
    from ticket_triage.training.run import optimized_value, train  # TensorFlow loads here

    with user_errors():
        return optimized_value(train(cfg), cfg.optimized_metric)


if __name__ == "__main__":
    exit_on_unknown_choice(sys.argv[1:], Path(__file__).parents[1] / "conf")
    main()
