"""The four loop modes of ``loop=``: one signature, one callback list, the same model and data.

    fit         the built-in loop (7.3)
    eager       a GradientTape loop run step by step in Python (7.4.3)
    graph       the same loop with its steps compiled by ``tf.function`` (7.4.4)
    train_step  ``fit()`` driving an overridden ``train_step``/``test_step`` (7.4.5)

Each ``train_with_*`` function takes ``(model, data, objectives, optimizer, callbacks, epochs,
loop_cfg, plan=None)`` and returns the ``keras.callbacks.History``; ``plan`` (a
``resume.plan.ResumePlan``) turns on backups and resumes from one.
"""

from ticket_triage.loops.custom_step import train_with_train_step
from ticket_triage.loops.fit import train_with_fit
from ticket_triage.loops.gradient_tape import train_with_eager_loop, train_with_graph_loop

LOOPS = {
    "fit": train_with_fit,
    "eager": train_with_eager_loop,
    "graph": train_with_graph_loop,
    "train_step": train_with_train_step,
}
