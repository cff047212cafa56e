"""Both directions of chapter 7.2.4 in one ticket model.

* A subclassed component inside a functional graph: the department head is ``Classifier``, a
  subclassed ``keras.Model``, called on the functional trunk's ``features`` like any layer.
* A functional block inside a subclassed component: the priority head is ``PriorityScorer``, a
  subclassed ``keras.Model`` whose ``call`` runs a small functional ``keras.Model``.

It has the same weights, in the same order, as the functional and subclassed models.
"""

import keras
from keras import layers

from ticket_triage.models import trunk
from ticket_triage.models.spec import DEPARTMENT, PRIORITY


@keras.saving.register_keras_serializable(package="ticket_triage")
class Classifier(keras.Model):
    """A softmax classifier written by subclassing, as in the chapter.

    Args:
        num_classes: output classes.
        **kwargs: passed to ``keras.Model`` (``name``).
    """

    def __init__(self, num_classes, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.dense = layers.Dense(num_classes, activation="softmax", name="softmax")

    def call(self, inputs):
        return self.dense(inputs)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


@keras.saving.register_keras_serializable(package="ticket_triage")
class PriorityScorer(keras.Model):
    """A subclassed head that delegates to a functional block (``features -> sigmoid score``).

    Args:
        feature_dim: width of the features it is called on.
        **kwargs: passed to ``keras.Model`` (``name``).
    """

    def __init__(self, feature_dim, **kwargs):
        super().__init__(**kwargs)
        self.feature_dim = feature_dim
        features = keras.Input(shape=(feature_dim,), name="features_in")
        score = layers.Dense(1, activation="sigmoid", name="sigmoid")(features)
        self.block = keras.Model(features, score, name="functional_scorer")

    def call(self, inputs):
        return self.block(inputs)

    def get_config(self):
        return {**super().get_config(), "feature_dim": self.feature_dim}


def build_mixed_model(spec, width=64, depth=1, dropout=0.0, batch_norm=False, sparse=False, wide=0):
    """Build the functional ticket graph with the two subclassed heads above.

    Args: as for ``functional.build_functional_model``.
    """
    inputs, x = trunk.functional_features(spec, width, depth, dropout, batch_norm, sparse, wide)
    outputs = {}
    if spec.priority:
        outputs[PRIORITY] = PriorityScorer(width + wide, name=PRIORITY)(x)
    if spec.num_departments:
        outputs[DEPARTMENT] = Classifier(spec.num_departments, name=DEPARTMENT)(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mixed_ticket_model")
