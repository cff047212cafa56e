"""``loop=fit``: the built-in training loop (chapter 7.3): ``compile`` then ``fit``."""

from ticket_triage.loops.callback_list import history_of, make_callback_list


def train_with_fit(model, data, objectives, optimizer, callbacks, epochs, loop_cfg):
    """Compile with the shared objectives and ``fit`` on the train split, validating on val."""
    model.compile(optimizer=optimizer, **objectives.compile_args())
    return fit_compiled(model, data, objectives, callbacks, epochs, loop_cfg.verbose)


def fit_compiled(model, data, objectives, callbacks, epochs, verbose):
    """``fit`` a compiled model on the train split with our callback list; return its History.

    The train batches of all epochs come from one dataset (``steps_per_epoch`` per epoch), in
    the same order and with the same sample weights (class weights) the hand-written loops
    see them.
    """
    callback_list = make_callback_list(callbacks, model, epochs, data.steps("train"), verbose)
    model.fit(
        data.dataset("train", objectives.heads, epochs, objectives.named_outputs, weighted=True),
        steps_per_epoch=data.steps("train"),
        validation_data=data.dataset(
            "val", objectives.heads, named_targets=objectives.named_outputs
        ),
        epochs=epochs,
        callbacks=callback_list,
        verbose=verbose,
        shuffle=False,  # the dataset is shuffled per epoch already
    )
    return history_of(callback_list)
