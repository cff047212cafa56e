"""The chapter's ticket models, one API per module, chosen with ``model=`` (``conf/model/``).

Importing this package registers every custom class a saved ticket model may hold (the
subclassed and mixed models, the serving model and its vectorizer, the first layer
``TokenDense``, the custom RMSE and the optimizers), so any ``.keras`` file the pipeline writes
loads with ``safe_mode=True``:

    >>> import keras, ticket_triage.models                         # doctest: +SKIP
    >>> model = keras.saving.load_model("models/best.keras")       # doctest: +SKIP
"""

# Imported for their registrations (keras.saving.register_keras_serializable).
from ticket_triage import metrics  # noqa: F401
from ticket_triage.inputs import vectorizer  # noqa: F401
from ticket_triage.models import mixed, serving, subclassed, token_dense  # noqa: F401
from ticket_triage.optimizers import sparse_rmsprop, summed_adam  # noqa: F401
