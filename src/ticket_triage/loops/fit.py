"""``loop=fit``: the built-in training loop (chapter 7.3): ``compile`` then ``fit``."""

from ticket_triage.distribution.distributed_fit import adapt_fit
from ticket_triage.loops.execution import fit_steps_per_execution
from ticket_triage.resume.callback_list import BackedUpCallbackList, TrainingState
from ticket_triage.resume.position import Position


def train_with_fit(
    model,
    data,
    objectives,
    optimizer,
    callbacks,
    epochs,
    plan=None,
    *,
    verbose,
    steps_per_execution,
):
    """Compile with the shared objectives and ``fit`` on the train split, validating on val."""
    strategy = model.distribute_strategy
    with strategy.scope():  # the compiled metrics' variables
        model.compile(
            optimizer=optimizer,
            steps_per_execution=fit_steps_per_execution(
                steps_per_execution, data.steps("train"), strategy.num_replicas_in_sync > 1
            ),
            **objectives.compile_args(),
        )
    return fit_compiled(model, data, objectives, callbacks, epochs, verbose, plan)


def fit_compiled(model, data, objectives, callbacks, epochs, verbose, plan=None):
    """``fit`` a compiled model on the train split with our callback list; return its History.

    The train batches of all epochs come from one dataset (``steps_per_epoch`` per epoch), in
    the same order and with the same sample weights (class weights) the hand-written loops
    see them.

    A resumed run (``plan``) starting mid-epoch needs two ``fit`` calls, since ``fit`` starts
    every epoch at its first batch: one for the rest of the resumed epoch (fewer
    ``steps_per_epoch``), one for the epochs after it. They share one callback list, so the
    callbacks see one training: one ``on_train_begin``, one ``on_train_end``.
    """
    steps = data.steps("train")
    adapt_fit(model)  # exact logs under a strategy; keras#20585 under multi_worker

    def train_batches(start, end_epoch):
        return data.dataset(
            "train", objectives.heads, end_epoch, objectives.named_outputs, True, start=start
        )

    def build():
        # Without a distribution strategy fit() creates the compiled metrics' and the
        # optimizer's variables only when it traces its first step, after on_train_begin, where
        # a backup is restored. Keras's own _symbolic_build (what fit() runs first under a
        # strategy; private, present through Keras 3.15) creates them from one batch's shapes.
        with model.distribute_strategy.scope():
            model._symbolic_build(data_batch=next(iter(train_batches(Position(), 1))))

    state = TrainingState(
        model,
        model.optimizer,
        metric_variables=lambda: [v for m in model.metrics for v in m.variables],
        build=build,
    )
    callback_list = BackedUpCallbackList(callbacks, state, plan, epochs, steps, verbose)
    start = plan.start if plan else Position()
    callback_list.on_train_begin()  # on resume: weights, optimizer, callbacks come back here
    callback_list.hold_train_end = True
    for segment_start, end_epoch in start.segments(epochs):
        callback_list.batch_offset = segment_start.batch
        model.fit(
            train_batches(segment_start, end_epoch),
            steps_per_epoch=steps - segment_start.batch,
            validation_data=data.dataset(
                "val", objectives.heads, named_targets=objectives.named_outputs
            ),
            initial_epoch=segment_start.epoch,
            epochs=end_epoch,
            callbacks=callback_list,
            verbose=verbose,
            shuffle=False,  # the dataset is shuffled per epoch already
        )
        if model.stop_training:
            break
    callback_list.hold_train_end = False
    callback_list.batch_offset = 0
    callback_list.on_train_end(callback_list.last_epoch_logs)
    return callback_list.history
