"""`python -m pipelines.evaluate [overrides]`: best model on the test split (conf/evaluate.yaml)."""

import hydra

from ticket_triage.config import user_errors


@hydra.main(config_path="../conf", config_name="evaluate", version_base="1.3")
def main(cfg):
    from ticket_triage.evaluation.report import evaluate  # TensorFlow loads here

    with user_errors():
        evaluate(cfg)


if __name__ == "__main__":
    main()
