"""The intent-set checks `voicebot intents test` prints beside its regression suite."""

from dataclasses import replace

from app.core.evaluation import said_alike


def test_examples_of_two_intents_that_read_as_the_same_words_are_named(intents):
    flytning = intents.intents["flytning"]
    moved = replace(flytning, examples=(*flytning.examples, "jeg flytter til norge"))
    alike = said_alike(replace(intents, intents={**intents.intents, "flytning": moved}))
    (group,) = [g for g in alike if ("flytning", "jeg flytter til norge") in g]
    assert ("udrejse", "jeg flytter til udlandet") in group  # a country is abroad


def test_examples_of_one_intent_alike_are_no_problem(intents):
    pas = intents.intents["pas"]
    twice = replace(pas, examples=(*pas.examples, "øh pas tak", "pas"))
    alike = said_alike(replace(intents, intents={**intents.intents, "pas": twice}))
    assert not [g for g in alike if ("pas", "øh pas tak") in g]
