"""The learned risk model (bot/core/risk/model.py) and its Rasa component, trained for real on small data."""
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.server.nlu.risk_model_component import RISK_MODEL_KEY, RiskModelScorer, corpus_files
from bot.core.risk.model import (RiskModel, category_of, load_corpus, log_count_ratios, mark_negation, sentences,
                                 subject_of)
from bot.core.settings import ROOT

RISKY = ["i want to end my life tonight", "i have the pills saved up for friday", "nobody will miss me when im gone",
         "he said he will kill me when he gets home", "my son is not breathing after he used",
         "i keep cutting my arms and cant stop"]
LABELS = ["suicide", "suicide", "suicide", "abuse", "overdose", "self_harm"]
ORDINARY = ["how much does the program cost", "do you take medicaid", "what time is the evening group",
            "can i keep working during iop", "is there a virtual option", "what happens in the first week",
            "this paperwork is killing me", "do you offer suboxone"]


@pytest.fixture(scope="module")
def model():
    return RiskModel.fit(RISKY + ORDINARY, LABELS + ["none"] * len(ORDINARY))


def test_a_risky_sentence_at_the_end_of_a_question_is_not_averaged_away(model):
    whole = "what time is the evening group. i have the pills saved up for friday"
    assert sentences(whole)[1:] == ["what time is the evening group.", "i have the pills saved up for friday"]
    verdict = model.score(whole)
    assert verdict.sentence == "i have the pills saved up for friday" and verdict.category == "suicide"
    assert verdict.score > model.score("what time is the evening group").score


def test_explain_lists_the_ngrams_behind_a_verdict(model):
    features = [name for name, _ in model.explain("i want to end my life tonight")]
    assert any("life" in name or "end" in name for name in features)


def test_the_category_is_the_one_the_readings_agree_on_not_the_riskiest_sentence_alone():
    classes = ["none", "medical_emergency", "overdose"]
    # The whole message and its first sentence read as an overdose; the last sentence alone, a little riskier,
    # leans to a medical emergency ("snorted what i thought was coke. heart going crazy cant feel my left arm").
    probabilities = np.array([[0.1, 0.3, 0.6], [0.2, 0.2, 0.6], [0.1, 0.5, 0.4]])
    risk = np.array([0.90, 0.80, 0.95])
    assert category_of(probabilities, risk, 0, classes) == "overdose"
    # A reading the score model finds ordinary has next to no say.
    assert category_of(probabilities, np.array([0.01, 0.01, 0.95]), 0, classes) == "medical_emergency"
    # "none" is never the category, however likely.
    assert category_of(np.array([[0.9, 0.04, 0.06]]), np.array([0.9]), 0, classes) == "overdose"


def test_the_category_model_learns_only_from_risky_readings_and_still_names_each_risk(model):
    # It names a risk; the yes/no model decides whether there is one (RiskModel.fit says why: training time).
    assert sorted(model.classifier.classes_) == sorted(set(LABELS))
    assert model.score("he said he will kill me when he gets home").category == "abuse"
    assert model.score("i keep cutting my arms and cant stop").category == "self_harm"
    assert category_of(np.array([[0.3, 0.7]]), np.array([0.9]), None, ["overdose", "suicide"]) == "suicide"
    # One category only (nothing to tell apart): learned beside "none", as before.
    one = RiskModel.fit(RISKY[:3] + ORDINARY, ["suicide"] * 3 + ["none"] * len(ORDINARY))
    assert "none" in one.classifier.classes_ and one.score("i want to end my life tonight").category == "suicide"


def test_the_words_a_negation_governs_are_marked_up_to_punctuation_or_but():
    assert mark_negation("I dont think im suicidal, I just feel low") == "i dont neg_think neg_im neg_suicidal . i just feel low"
    assert mark_negation("not suicidal but the razor is out") == "not neg_suicidal but the razor is out"
    assert mark_negation("no he never hit me today or yesterday") == \
        "no neg_he never neg_hit neg_me neg_today neg_or yesterday"  # four words at most
    assert mark_negation("no quiero morir") == "no neg_quiero neg_morir"
    assert mark_negation("") == ""


def test_the_model_tells_a_denial_from_the_crisis_it_denies():
    risky = ["i am suicidal tonight", "i feel suicidal and have the pills", "so suicidal right now",
             "i want to kill myself tonight", "i am going to kill myself"]
    ordinary = ["i am not suicidal tonight", "i dont feel suicidal, just tired", "never been suicidal",
                "i am not going to kill myself", "i would never kill myself", "what time is group"]
    model = RiskModel.fit(risky + ordinary, ["suicide"] * len(risky) + ["none"] * len(ordinary))
    # "not suicidal" is its own word, learned as ordinary, instead of "suicidal" counted for the crisis
    weights = model.binary.coef_[0][:len(model.words.vocabulary_)]
    assert weights[model.words.vocabulary_["neg_suicidal"]] < 0 < weights[model.words.vocabulary_["suicidal"]]
    assert model.score("im not suicidal").score < 0.5 < model.score("im suicidal").score


def test_save_and_load_give_the_same_scores(model, tmp_path):
    model.save(tmp_path)
    again = RiskModel.load(tmp_path)
    assert again.score("nobody will miss me").score == pytest.approx(model.score("nobody will miss me").score)


def test_ngrams_weigh_by_how_much_more_often_they_come_in_risky_messages():
    from scipy.sparse import csr_matrix
    import numpy as np

    # columns: a word only risky messages hold, one both hold as often, one only ordinary messages hold
    features = csr_matrix(np.array([[0.5, 0.5, 0.0], [0.7, 0.7, 0.0], [0.0, 0.6, 0.6], [0.0, 0.4, 0.8]]))
    ratios = log_count_ratios(features, np.array([True, True, False, False]))
    assert ratios[0] > 0 > ratios[2] and ratios[1] == pytest.approx(0.0)


def test_the_weighted_score_model_scores_plain_features_like_the_one_trained(model):
    # The weights were folded into the saved model (RiskModel.fit): its scores must be the scaled model's.
    from scipy.sparse import hstack
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    texts, risky = RISKY + ORDINARY, np.array([True] * len(RISKY) + [False] * len(ORDINARY))
    features = hstack([model.words.transform(texts), model.chars.transform(texts)]).tocsr()
    ratios = log_count_ratios(features, risky)
    scaled = LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000, random_state=7, solver="lbfgs")
    scaled.fit(features.multiply(ratios).tocsr(), risky)
    message = "i have the pills saved up for friday"
    expected = scaled.predict_proba(hstack([model.words.transform([message]),
                                            model.chars.transform([message])]).multiply(ratios).tocsr())[0, 1]
    assert model.score(message).score == pytest.approx(expected, abs=1e-6)
    assert model.score(message).score > 0.5 > model.score("do you take medicaid").score


def test_the_subject_is_someone_else_only_when_the_writer_is_not_at_risk():
    assert subject_of("my daughter took a whole bottle of tylenol") == "other"
    assert subject_of("my husband hits me every night") == "self"
    assert subject_of("i want to die") == "self"


def test_the_corpus_loads_with_known_labels_only():
    texts, labels = load_corpus(corpus_files({"corpus": "data/risk"}))
    assert len(texts) >= 1500 and sum(label != "none" for label in labels) >= 700


def test_unknown_labels_are_refused(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text('examples:\n  - {text: "hi", label: sad}\n')
    with pytest.raises(ValueError, match="unknown label"):
        load_corpus([bad])


def test_the_component_trains_persists_loads_and_scores(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.yml").write_text("examples:\n" + "".join(
        f'  - {{text: "{t}", label: {lab}}}\n' for t, lab in zip(RISKY + ORDINARY, LABELS + ["none"] * 8,
                                                                  strict=True)))
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("risk_model")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**RiskModelScorer.get_default_config(), "corpus": str(corpus)}
    training = TrainingData([Message(data={"text": "hello there", "intent": "greet"}),
                             Message(data={"text": "i want to kill myself", "intent": "risk_suicide"})])
    RiskModelScorer.create(config, storage, resource, context).train(training)
    loaded = RiskModelScorer.load(config, storage, resource, context)
    message = Message(data={"text": "i have the pills saved up for friday"})
    loaded.process([message])
    assert message.get(RISK_MODEL_KEY)["category"] == "suicide"
    assert RiskModelScorer.fingerprint_addon(config) != RiskModelScorer.fingerprint_addon(
        {**config, "corpus": str(ROOT / "data" / "risk")})


def test_a_model_without_its_file_scores_nothing_instead_of_failing(tmp_path):
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    resource = Resource("never_trained")
    with storage.write_to(resource) as directory:
        Path(directory, "placeholder").write_text("")
    loaded = RiskModelScorer.load(RiskModelScorer.get_default_config(), storage, resource,
                                  ExecutionContext(GraphSchema({}), "test"))
    message = Message(data={"text": "i want to die"})
    loaded.process([message])
    assert message.get(RISK_MODEL_KEY) is None


def test_the_sentences_of_ordinary_messages_are_learned_as_ordinary_and_risky_ones_are_not_split():
    from bot.core.risk.model import NONE, with_ordinary_sentences

    texts = ["My dad is 80. He doesn't drive at night anymore. Are there morning groups?",
             "what time is group. i wont be around by then anyway"]
    out_texts, out_labels = with_ordinary_sentences(texts, [NONE, "suicide"])
    assert out_texts[:2] == texts and out_labels[:2] == [NONE, "suicide"]
    added = dict(zip(out_texts[2:], out_labels[2:], strict=True))
    assert added == {"My dad is 80.": NONE, "He doesn't drive at night anymore.": NONE,
                     "Are there morning groups?": NONE}


def test_screen_answers_telling_a_problem_present_now_are_not_learned_as_ordinary(tmp_path):
    """"threw up blood a couple times this week" answers the medical question; as a message of its own it is a medical
    emergency, so the risk model must not learn it as ordinary. History for the screen still is ordinary."""
    from bot.server.nlu.risk_model_component import training_set

    (tmp_path / "writer.yml").write_text(
        'answers:\n'
        '  - {question: medical, text: "threw up blood a couple times this week", value: "yes"}\n'
        '  - {question: medical, text: "asthma, controlled with my inhaler", value: "no"}\n'
        '  - {question: home, text: "my boyfriend hits me when he drinks", value: "unsafe"}\n'
        '  - {question: withdrawal, text: "had a seizure in 2019 when I quit", value: "yes"}\n', encoding="utf-8")
    texts, labels = training_set([], tmp_path, [])
    learned = dict(zip(texts, labels, strict=True))
    assert learned == {"asthma, controlled with my inhaler": "none", "had a seizure in 2019 when I quit": "none"}
