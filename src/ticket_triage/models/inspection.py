"""Look inside a model (chapter 7.2.2): its summary, a layer table and ``plot_model`` images.

``plot_model`` needs pydot and Graphviz's ``dot`` program; without ``dot`` the images are skipped
with one warning and everything else is still written.

Example:
    >>> written = inspect_model(model, "reports/model")          # doctest: +SKIP
    >>> sorted(path.name for path in written)                    # doctest: +SKIP
    ['layers.csv', 'model.png', 'model_nested.png', 'summary.txt']
"""

import csv
import logging
import shutil
from pathlib import Path

import keras

log = logging.getLogger(__name__)

LAYER_COLUMNS = (
    "name",
    "class",
    "input_shape",
    "output_shape",
    "trainable_params",
    "non_trainable_params",
)


def inspect_model(model, out_dir):
    """Write ``summary.txt``, ``layers.csv`` and, where Graphviz exists, the model plots.

    Returns:
        The paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line), expand_nested=True)
    written = [out / "summary.txt", out / "layers.csv"]
    written[0].write_text("\n".join(lines) + "\n", encoding="utf-8")
    with written[1].open("w", newline="", encoding="utf-8") as handle:
        table = csv.DictWriter(handle, fieldnames=LAYER_COLUMNS)
        table.writeheader()
        table.writerows(layer_table(model))
    return written + plot(model, out)


def layer_table(model):
    """One row per layer: name, class, shapes and parameter counts.

    Shapes are known for layers of a functional graph; a subclassed model's layers only meet
    tensors at call time, so theirs read ``(known at call time)``.
    """
    return [
        {
            "name": layer.name,
            "class": type(layer).__name__,
            "input_shape": _shape(layer, "input"),
            "output_shape": _shape(layer, "output"),
            "trainable_params": sum(int(w.numpy().size) for w in layer.trainable_weights),
            "non_trainable_params": sum(int(w.numpy().size) for w in layer.non_trainable_weights),
        }
        for layer in model.layers
    ]


def plot(model, out):
    """``plot_model`` images (shapes and layer names; nested models expanded), or none."""
    if shutil.which("dot") is None:
        log.warning(
            "Graphviz's `dot` program is not installed: model plots skipped "
            "(install the `graphviz` system package to get them)"
        )
        return []
    images = [out / "model.png", out / "model_nested.png"]
    keras.utils.plot_model(model, to_file=str(images[0]), show_shapes=True, show_layer_names=True)
    keras.utils.plot_model(
        model, to_file=str(images[1]), show_shapes=True, show_layer_names=True, expand_nested=True
    )
    return images


def _shape(layer, which):
    try:
        tensor = getattr(layer, which)
    except (AttributeError, ValueError):
        return "(known at call time)"
    if isinstance(tensor, dict):
        return {name: tuple(t.shape) for name, t in tensor.items()}
    if isinstance(tensor, list | tuple):
        return [tuple(t.shape) for t in tensor]
    return tuple(tensor.shape)
