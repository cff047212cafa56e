"""Optimizers that apply the first layer's sparse gradients correctly and cheaply.

``TokenDense`` (the trunk's first layer, on sparse inputs) yields its kernel's gradient as a
``tf.IndexedSlices`` over the batch's tokens. Keras 3's optimizers apply such a gradient row by
row without summing rows that occur twice (as they do once replicas' gradients are gathered), and
square each part separately: a wrong update. ``SparseRMSprop`` updates only the rows touched,
exactly as RMSprop would (in one compiled pass over them, ``rmsprop_rows``, where built);
``SummedAdam`` sums the repeated rows and updates densely, since Adam's momentum moves rows that
no ticket of the batch touched. On several replicas both make sparse
gradients dense before the replicas sum them (``rows.dense_across_replicas``).
"""
