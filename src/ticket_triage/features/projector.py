"""TensorBoard projector files for ticket vectors (chapter 7.3.4's embedding view).

Writes the vectors as a checkpointed variable, ``metadata.tsv`` (department, priority, title) and
``projector_config.pbtxt`` into one folder: ``tensorboard --logdir <folder>`` then shows the
tickets in the Projector tab, coloured by any metadata column.
"""

from pathlib import Path

import tensorflow as tf
from tensorboard.plugins import projector

from ticket_triage.data import schema

METADATA_COLUMNS = (
    schema.DEPARTMENT,
    "predicted_department",
    "route",  # the calibrated review route (trust.json)
    schema.PRIORITY,
    schema.DIFFICULTY,
    schema.TITLE,
)


def write_projector(vectors, tickets, folder):
    """Write ``vectors`` (one row per ticket of ``tickets``) for TensorBoard's projector."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    columns = [column for column in METADATA_COLUMNS if column in tickets]
    metadata = tickets[columns].copy()
    if schema.TITLE in metadata:  # one line per ticket: no tabs or newlines inside a cell
        metadata[schema.TITLE] = metadata[schema.TITLE].str.replace(r"\s+", " ", regex=True)
    metadata.to_csv(folder / "metadata.tsv", sep="\t", index=False)

    embedding = tf.Variable(vectors, name="ticket_features")
    checkpoint = tf.train.Checkpoint(embedding=embedding)
    checkpoint.save(str(folder / "embedding.ckpt"))
    config = projector.ProjectorConfig()
    view = config.embeddings.add()
    view.tensor_name = "embedding/.ATTRIBUTES/VARIABLE_VALUE"
    view.metadata_path = "metadata.tsv"
    projector.visualize_embeddings(str(folder), config)
