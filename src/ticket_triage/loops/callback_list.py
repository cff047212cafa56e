"""The one ``keras.callbacks.CallbackList`` every loop mode drives.

Built here, not inside ``fit()``, so that the hand-written loops get exactly what ``fit()`` gets:
the progress bar, ``History``, and the configured callbacks with the same ``params``.
"""

import keras


def make_callback_list(callbacks, model, epochs, steps, verbose):
    """Wrap ``callbacks`` with History and (when ``verbose``) the progress bar."""
    return keras.callbacks.CallbackList(
        list(callbacks),
        add_history=True,
        add_progbar=bool(verbose),
        model=model,
        epochs=epochs,
        steps=steps,
        verbose=verbose,
    )


def history_of(callback_list):
    """The ``History`` callback the list added."""
    return next(c for c in callback_list.callbacks if isinstance(c, keras.callbacks.History))
