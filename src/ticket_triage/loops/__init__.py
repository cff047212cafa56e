"""The four loop modes of ``loop=``: one signature, one callback list, the same model and data.

    fit         the built-in loop (7.3): ``fit.train_with_fit``
    eager       a GradientTape loop run step by step in Python (7.4.3):
                ``gradient_tape.train_with_eager_loop``
    graph       the same loop with its steps compiled by ``tf.function`` (7.4.4):
                ``gradient_tape.train_with_graph_loop``
    train_step  ``fit()`` driving an overridden ``train_step``/``test_step`` (7.4.5):
                ``custom_step.train_with_train_step``

``conf/loop/<mode>.yaml`` names the function (``_target_``) and holds its settings (``verbose``,
``steps_per_execution``, ``variant``), its keyword arguments; Hydra's ``instantiate`` gives the
function with them bound (``_partial_: true``), and training calls it with
``(model, data, objectives, optimizer, callbacks, epochs, plan=None)``. It returns the
``keras.callbacks.History``; ``plan`` (a ``resume.plan.ResumePlan``) turns on backups and
resumes from one.
"""
