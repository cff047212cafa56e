"""Drift figures and warnings: the same kind of tickets pass, other tickets are named."""

from ticket_triage.data.synthetic import generate_tickets
from ticket_triage.data.vocab import build_vocabulary
from ticket_triage.trust.drift import TextProfile, compare, jensen_shannon

LIMITS = {
    "oov_rate_increase": 0.15,
    "length_ratio": 2.0,
    "department_divergence": 0.1,
    "min_tickets": 100,
}


def profile_of(tickets, vocabularies, departments=None):
    profile = TextProfile(vocabularies, "auto", sample_size=5000)
    profile.add(
        tickets["title"].tolist(),
        tickets["body"].tolist(),
        tickets["department"] if departments is None else departments,
    )
    return profile.summary()


def vocabularies_of(tickets):
    return {
        column: build_vocabulary(tickets[column], max_tokens=5000) for column in ("title", "body")
    }


def test_tickets_from_the_same_generator_raise_no_warning():
    train = generate_tickets(2000, seed=1)
    vocabularies = vocabularies_of(train)
    drift = compare(
        profile_of(train, vocabularies),
        profile_of(generate_tickets(1000, seed=2), vocabularies),
        LIMITS,
    )
    assert drift["warnings"] == []
    assert drift["department_divergence"] < 0.01


def test_other_words_other_lengths_and_another_mix_are_each_named():
    train = generate_tickets(2000, seed=1)
    reference = profile_of(train, vocabularies_of(train))
    other = train.head(500).assign(
        title="Kernel panic after upgrade",
        body="Stack trace from the scheduler daemon " * 20,
    )
    drift = compare(reference, profile_of(other, vocabularies_of(train), ["billing"] * 500), LIMITS)
    assert drift["oov_rate"] > drift["train_oov_rate"] + 0.15
    warnings = " ".join(drift["warnings"])
    assert "unknown to the model" in warnings
    assert "characters long" in warnings
    assert "department mix" in warnings


def test_too_few_tickets_are_not_judged():
    train = generate_tickets(500, seed=1)
    vocabularies = vocabularies_of(train)
    few = profile_of(train.head(10), vocabularies)
    drift = compare(profile_of(train, vocabularies), few, LIMITS)
    assert len(drift["warnings"]) == 1 and "too few" in drift["warnings"][0]


def test_the_sample_size_bounds_the_tokenized_tickets_but_not_the_department_mix():
    train = generate_tickets(300, seed=1)
    profile = TextProfile(vocabularies_of(train), "auto", sample_size=100)
    for start in range(0, 300, 70):
        chunk = train.iloc[start : start + 70]
        profile.add(chunk["title"].tolist(), chunk["body"].tolist(), chunk["department"])
    summary = profile.summary()
    assert summary["tickets"] == 100
    assert abs(sum(summary["departments"].values()) - 1) < 1e-3


def test_jensen_shannon_bounds():
    assert jensen_shannon({"a": 0.5, "b": 0.5}, {"a": 0.5, "b": 0.5}) == 0.0
    assert jensen_shannon({"a": 1.0}, {"b": 1.0}) == 1.0
    assert jensen_shannon({}, {"a": 1.0}) is None
