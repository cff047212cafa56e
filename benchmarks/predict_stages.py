"""Where the time of bulk triage (`predict`) goes: reading, tokenizing, the network, writing.

``python -m pipelines.predict`` overlaps its stages (a ``tf.data`` thread reads and cleans the
next chunk while the model works), so a profile of the process cannot tell them apart. This
benchmark runs the same stages one after the other on the same generated CSV export, with the
stage's own code and settings (``conf/predict.yaml``: chunk size, batch size, one model call
per core):

- reading and cleaning the export (``triage.sources.ticket_chunks``), and the request inputs;
- the serving model's vectorizer alone (tokenizing, n-grams, vocabulary look-ups, TF-IDF): the
  ``TicketVectorizer`` layer inside the serving model, traced, in the same parallel calls;
- the whole serving model (vectorizer and network); the network's share is the difference;
- the same with the explanations ``predict`` writes by default (``triage.explain_tokens``): a
  backward pass through the network;
- labelling the outputs (department names, priority bands) and writing the CSV.

The two model stages run ``--rounds`` times, alternating, and the fastest of each counts (the
machine may be shared). Their sum exceeds the stage's wall time by the overlap. Uses a trained
model (``models/`` by default: run ``make pipeline`` first).

    python benchmarks/predict_stages.py [--tickets 200000] [--rounds 3] [--models-dir models]

Results go to ``benchmarks/results/predict_stages.json``.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OUT = ROOT / "benchmarks" / "results" / "predict_stages.json"
FIXED = ("import TensorFlow", "load the model")
EXPLAINED = (
    "serving model and explanations (predict's default)"  # once per process, whatever the tickets
)


class Stages:
    """Seconds per stage, in the order they ran."""

    def __init__(self):
        self.seconds = {}

    def timed(self, stage, call, *args):
        started = time.perf_counter()
        result = call(*args)
        self.seconds[stage] = time.perf_counter() - started
        return result

    def fastest(self, stage, call, *args):
        """``timed``, keeping the shortest of the times ``stage`` has taken so far."""
        before = self.seconds.get(stage)
        result = self.timed(stage, call, *args)
        if before is not None:
            self.seconds[stage] = min(before, self.seconds[stage])
        return result


def in_parallel_calls(function, inputs, batch_size, parallel_calls):
    """Run a traced ``function`` over every batch of ``inputs`` as ``Predictor`` does: one
    call per core at a time, in threads."""
    from concurrent.futures import ThreadPoolExecutor

    import tensorflow as tf

    size = len(next(iter(inputs.values())))
    batches = [
        {name: tf.constant(value[start : start + batch_size]) for name, value in inputs.items()}
        for start in range(0, size, batch_size)
    ]
    with ThreadPoolExecutor(parallel_calls) as calls:
        list(calls.map(function, batches))


def measure(export, models_dir, output, rounds):
    from tests.conftest import compose_config
    from ticket_triage.triage.inputs import serving_inputs
    from ticket_triage.triage.labels import PriorityBands, label_outputs
    from ticket_triage.triage.sources import ticket_chunks
    from ticket_triage.triage.table_writer import TableWriter

    stages = Stages()
    cfg = compose_config("predict", ["data=csv", f"data.path={export}"])
    settings = cfg.predict
    stages.timed(FIXED[0], __import__, "tensorflow")
    import tensorflow as tf

    from ticket_triage.inputs.vectorizer import TicketVectorizer
    from ticket_triage.triage.artifacts import load_predictor
    from ticket_triage.triage.predictor import PARALLEL_CALLS

    predictor = stages.timed(FIXED[1], load_predictor, models_dir, None, None, settings.batch_size)
    explaining = predictor.explaining(cfg.triage.explain_tokens)
    chunks = stages.timed(
        "read and clean the CSV",
        lambda: list(ticket_chunks(cfg.data, settings.chunk_size, cfg.seed)),
    )
    inputs = stages.timed(
        "request inputs",
        lambda: [serving_inputs(c.tickets, predictor.input_names) for c in chunks],
    )
    vectorizer = next(
        layer for layer in predictor.serving.layers if isinstance(layer, TicketVectorizer)
    )
    strings = {name: tf.TensorSpec([None, 1], tf.string) for name in predictor.input_names}
    vectorize = tf.function(vectorizer, input_signature=[strings])
    for function in (vectorize, predictor._call, explaining._call):  # traced before the clock
        in_parallel_calls(function, inputs[0], settings.batch_size, PARALLEL_CALLS)
    for _ in range(rounds):  # alternating, the fastest of each kept: the machine is shared
        stages.fastest(
            "vectorizer alone: tokenize, look up, TF-IDF",
            lambda: [
                in_parallel_calls(vectorize, i, settings.batch_size, PARALLEL_CALLS) for i in inputs
            ],
        )
        stages.fastest(
            "serving model: vectorizer and network",
            lambda: [predictor.predict(i) for i in inputs],
        )
        outputs = stages.fastest(
            EXPLAINED,
            lambda: [explaining.predict(i) for i in inputs],
        )
    bands = PriorityBands(cfg.triage.priority_bands)
    frames = stages.timed(
        "label the outputs",
        lambda: [
            label_outputs(
                o,
                predictor.departments,
                bands,
                top=cfg.triage.top_departments,
                threshold=predictor.threshold,
                explained=explaining.explained,
            )
            for o in outputs
        ],
    )

    def write():
        with TableWriter(output) as table:
            for chunk, frame in zip(chunks, frames, strict=True):
                frame.insert(0, "ticket_id", chunk.tickets["ticket_id"].to_numpy())
                table.write(frame)

    stages.timed("write the CSV", write)
    seconds = stages.seconds
    network = (
        seconds["serving model: vectorizer and network"]
        - seconds["vectorizer alone: tokenize, look up, TF-IDF"]
    )
    return seconds, network, sum(len(c.tickets) for c in chunks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of the two model stages")
    parser.add_argument("--models-dir", default=str(ROOT / "models"))
    args = parser.parse_args()
    load_at_start = round(os.getloadavg()[0], 2)
    from benchmarks.vs_fasttext import write_export

    with tempfile.TemporaryDirectory() as scratch:
        export = write_export(args.tickets, Path(scratch))
        seconds, network, tickets = measure(
            export, args.models_dir, Path(scratch) / "out.csv", args.rounds
        )
    assert tickets == args.tickets, tickets
    per_stage = {stage: {"seconds": round(s, 2)} for stage, s in seconds.items()}
    per_stage["network alone (the difference)"] = {"seconds": round(network, 2)}
    for stage, row in per_stage.items():
        if stage not in FIXED and row["seconds"]:
            row["tickets_per_second"] = round(tickets / row["seconds"])
    report = {
        "description": "predict's stages run one after the other on one generated CSV export",
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1_min_at_start": load_at_start,
            "load_average_1_min_at_end": round(os.getloadavg()[0], 2),
        },
        "tickets": tickets,
        "rounds": args.rounds,
        "stages": per_stage,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
