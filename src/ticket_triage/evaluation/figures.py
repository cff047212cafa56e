"""The evaluation figures people would rather look at than read: confusion matrix, predicted vs
true priority, learning curves, the reliability diagram and the review route's coverage and
precision. Matplotlib, written to PNG files."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def confusion_matrix(matrix, labels, path):
    matrix = np.asarray(matrix)
    figure, axes = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.1 * len(labels) + 1.5))
    image = axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set(xlabel="predicted department", ylabel="true department", title="Test confusion matrix")
    for (row, col), count in np.ndenumerate(matrix):
        axes.text(
            col,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if count > matrix.max() / 2 else "black",
        )
    figure.colorbar(image, ax=axes, shrink=0.8)
    _save(figure, path)


def priority_scatter(true, predicted, path):
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.scatter(true, predicted, s=6, alpha=0.4)
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="true priority",
        ylabel="predicted priority",
        title="Test priority: predicted vs true",
    )
    axes.legend(loc="upper left")
    _save(figure, path)


def learning_curves(history_csv, path):
    """Training and validation curves of every metric in the CSV log that has both."""
    history = pd.read_csv(history_csv)
    names = [name for name in history.columns if f"val_{name}" in history.columns]
    figure, grid = plt.subplots(1, len(names), figsize=(4 * len(names), 3.5), squeeze=False)
    for axes, name in zip(grid[0], names, strict=True):
        axes.plot(history["epoch"] + 1, history[name], marker="o", label="train")
        axes.plot(history["epoch"] + 1, history[f"val_{name}"], marker="o", label="validation")
        axes.set(title=name, xlabel="epoch")
        axes.legend()
    _save(figure, path)


def reliability_diagram(before, after, path):
    """Accuracy against confidence per bin (``trust.calibration.reliability``), before and after
    calibration: on the diagonal, a confidence means what it says."""
    figure, axes = plt.subplots(figsize=(5, 5))
    width = before["lower"][1] - before["lower"][0]
    for table, label, shift in ((before, "uncalibrated", 0.0), (after, "calibrated", 0.5)):
        filled = table["tickets"] > 0
        axes.bar(
            table["lower"][filled] + width * (0.25 + shift / 2),
            table["accuracy"][filled],
            width=width / 2,
            align="edge",
            alpha=0.7,
            label=label,
        )
    axes.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfect")
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="confidence (top department)",
        ylabel="accuracy",
        title="Test reliability diagram",
    )
    axes.legend(loc="upper left")
    _save(figure, path)


def coverage_precision(curve, target, threshold, path):
    """Share routed automatically and their precision, per confidence threshold, with the
    target and the chosen threshold marked: where a team picks its ``target_precision``."""
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(curve["threshold"], curve["precision"], label="precision of routed tickets")
    axes.plot(curve["threshold"], curve["coverage"], label="coverage (routed automatically)")
    axes.axhline(target, color="grey", linestyle=":", linewidth=1, label=f"target {target:g}")
    axes.axvline(threshold, color="black", linestyle="--", linewidth=1, label="chosen threshold")
    axes.set(
        xlim=(0, 1),
        ylim=(0, 1.02),
        xlabel="confidence threshold",
        title="Test split: the review route",
    )
    axes.legend(loc="lower left", fontsize="small")
    _save(figure, path)


def _save(figure, path):
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
