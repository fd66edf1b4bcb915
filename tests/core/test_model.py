"""The learnt half of the matcher: trained on the examples' stems, a probability per intent."""

import math

from app.core.model import LearntModel, features

SAMPLES = [
    (["forny", "kørekort"], "koerekort"),
    (["mist", "kørekort"], "koerekort"),
    (["kørekort", "udløb"], "koerekort"),
    (["nyt", "pas"], "pas"),
    (["pas", "udløb"], "pas"),
    (["mist", "pas"], "pas"),
    (["søg", "boligstøt"], "boligstoette"),
    (["boligstøt", "husleje"], "boligstoette"),
]


def test_the_intent_whose_words_are_said_is_the_most_probable():
    model = LearntModel(SAMPLES)
    probabilities = model.probabilities(["kørekort", "forny"])
    assert max(probabilities, key=probabilities.get) == "koerekort"
    assert math.isclose(sum(probabilities.values()), 1.0)


def test_a_letter_off_still_counts_through_the_character_grams():
    model = LearntModel(SAMPLES)
    probabilities = model.probabilities(["boligstøtt"])  # not a word any example uses
    assert max(probabilities, key=probabilities.get) == "boligstoette"


def test_words_no_example_uses_leave_no_intent_sure():
    probabilities = LearntModel(SAMPLES).probabilities(["vejr", "morgen"])
    assert max(probabilities.values()) < 0.6


def test_one_intent_is_certain_and_needs_no_training():
    assert LearntModel([(["pas"], "pas")]).probabilities(["hvad"]) == {"pas": 1.0}


def test_the_explanation_names_the_features_that_pull_for_the_intent():
    pulls = LearntModel(SAMPLES).weights(["kørekort"], "koerekort")
    assert pulls and pulls[0][1] > 0
    assert "w:kørekort" in dict(pulls) or any(f.startswith("c:") for f, _ in pulls)


def test_features_are_words_pairs_and_character_grams():
    found = features(["nyt", "pas"])
    assert {"w:nyt", "w:pas", "b:nyt pas", "c: pa", "c:pas "} <= set(found)


def test_a_fit_is_kept_on_disk_and_a_new_process_loads_it_without_training(tmp_path, monkeypatch):
    import app.core.model as model

    monkeypatch.setattr(model, "_FITTED", {})
    first = LearntModel(SAMPLES, tmp_path)
    (saved,) = tmp_path.glob("*.npz")
    monkeypatch.setattr(model, "_FITTED", {})  # as in a fresh process
    monkeypatch.setattr(model, "_fit", lambda samples: (_ for _ in ()).throw(AssertionError))
    again = LearntModel(SAMPLES, tmp_path)
    said = ["forny", "kørekort"]
    assert again.probabilities(said) == first.probabilities(said)
    assert saved.exists()


def test_two_intents_are_told_apart_too():
    two = LearntModel([(["pas"], "pas"), (["nyt", "pas"], "pas"), (["kørekort"], "koerekort")])
    probabilities = two.probabilities(["kørekort"])
    assert set(probabilities) == {"pas", "koerekort"}
    assert probabilities["koerekort"] > 0.5
