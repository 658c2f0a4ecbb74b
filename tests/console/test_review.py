"""Issue 21: the review queue, labelling with the second-reviewer rule, masking, and `make export-reviewed`."""
import re
import subprocess
import sys

import pytest
import yaml
from sqlalchemy import select

from bot.console import review
from bot.console import auth
from bot.core.privacy import mask_personal
from bot.core.settings import ROOT
from bot.storage.db import session_scope
from bot.storage.models import ReviewLabel
from bot.storage.review_labels import SameReviewer, counted_labels, save_label
from tools import export_reviewed
from tools.purge import purge
from tests import review_seed as seed
from tests.console.test_console_app import PASSWORD, post, run_console, sign_in


@pytest.fixture()
def seeded(project_db):
    seed.seed_tracker(project_db)  # the tracker store is the same database (DATABASE_URL)
    auth.add_user("rita", PASSWORD, url=project_db, role="reviewer")
    auth.add_user("ravi", PASSWORD, url=project_db, role="reviewer")
    auth.add_user("sam", PASSWORD, url=project_db)  # staff, not a reviewer
    review._engine.cache_clear()
    return project_db


def by_text(items):
    return {i["text"]: i for i in items}


def test_the_queue_lists_what_needs_a_second_look_and_nothing_else(seeded):
    items = by_text(review.review_items())
    assert items[seed.CONFUSED]["reasons"] == ["fallback", "asked_for_person"]
    masked = mask_personal(seed.PHONE_TEXT)
    assert "0142" not in masked and "Dana" not in masked
    assert items[masked]["reasons"] == ["low_confidence"] and items[masked]["faq_topic"] == "faq/start_date"
    assert items[masked]["channel"] == "twilio"
    escalated = items[seed.ESCALATED]
    assert escalated["reasons"] == ["escalation"] and escalated["risk_category"] == "suicide"
    assert escalated["answered"] == ["If you are thinking about suicide, call or text 988."]
    assert escalated["after"][0]["text"] == seed.CHECK  # the turn after, in context
    assert items[seed.CHECK]["reasons"] == ["check"] and items[seed.CHECK]["before"][0]["text"] == seed.ESCALATED
    assert items[seed.WRONG_FAQ]["reasons"] == ["said_wrong"]
    assert items[seed.UNSURE]["reasons"] == ["screen_not_sure"] and items[seed.UNSURE]["unsure"] == ["withdrawal"]
    assert seed.FINE not in items and "hi" not in items
    assert seed.TEST_TEXT not in items  # the staff shell's test conversations are left out
    assert all("0142" not in str(i) for i in items.values())


def test_masking_of_names_addresses_phones_and_emails():
    text = mask_personal("I'm Dana, at 12 Elm Street apt 4, 617-555-0142 or dana@example.org")
    assert text == "I'm [name], at [address], [phone …42] or [email]"
    assert mask_personal("im tired of drinking 12 beers a day") == "im tired of drinking 12 beers a day"


def test_not_risk_on_an_escalation_needs_a_second_different_reviewer(project_db):
    first = save_label("7:1.0", "risk", "ugh this schedule is killing me", "none", "rita", bot_said="suicide",
                       escalated=True)
    assert first.status == "needs_second" and counted_labels() == []
    with pytest.raises(SameReviewer):
        save_label("7:1.0", "risk", "ugh", "none", "rita", bot_said="suicide", escalated=True)
    second = save_label("7:1.0", "risk", "ugh", "none", "ravi", bot_said="suicide", escalated=True)
    assert second.status == "counted" and second.labelled_by == "rita" and second.second_by == "ravi"
    assert [r.label for r in counted_labels()] == ["none"]
    # A risk label, or "not risk" on a message the bot did not escalate, counts at once.
    assert save_label("8:1.0", "risk", "i took all my pills", "overdose", "rita", bot_said="none").status == "counted"
    assert save_label("9:1.0", "risk", "hi", "none", "rita", bot_said="none").status == "counted"


def test_labels_survive_the_purge_masked_and_without_the_conversation(seeded, tmp_path):
    save_label("1:1.0", "nlu", seed.PHONE_TEXT, "faq/start_date", "rita")
    counts = purge(1, db_url=seeded, tracker_url=seeded)
    assert counts["conversations"] >= 5  # the seeded conversations are old: gone
    review._engine.cache_clear()
    assert review.review_items() == []
    with session_scope(seeded) as s:
        rows = list(s.execute(select(ReviewLabel)).scalars())
    assert len(rows) == 1 and "0142" not in rows[0].text and "Dana" not in rows[0].text
    assert "[phone …42]" in rows[0].text



async def item_key(client, text):
    page = await (await client.get("/review")).text()
    block = page[:page.index(text)]
    return re.findall(r'name="key" value="([^"]+)"', block[block.rindex("<article"):] + page[page.index(text):])[0]


def test_a_staff_member_without_the_reviewer_role_cannot_review(seeded):
    async def scenario(client, rasa):
        await sign_in(client, "sam")
        resp = await client.get("/review")
        assert resp.status == 403 and "for reviewers" in await resp.text()
        assert 'href="/review"' not in await (await client.get("/")).text()
        resp = await post(client, "/review/label", key="1:1", kind="risk", label="none")
        assert resp.status == 403

    run_console(seeded, scenario)


def test_reviewers_label_confirm_and_need_a_second_reviewer_in_the_console(seeded):
    async def scenario(client, rasa):
        await sign_in(client, "rita")
        page = await (await client.get("/review")).text()
        assert seed.ESCALATED in page and "Escalated for risk" in page and "call or text 988" in page
        assert "0142" not in page and "Dana" not in page and seed.TEST_TEXT not in page
        key = await item_key(client, seed.ESCALATED)
        # CSRF: a label without the form's token is refused.
        resp = await client.post("/review/label", data={"key": key, "kind": "risk", "label": "none"},
                                 allow_redirects=False)
        assert resp.status == 403
        resp = await post(client, "/review/label", key=key, kind="risk", label="none")
        assert resp.status == 200 and "second reviewer" in await resp.text()
        resp = await post(client, "/review/label", key=key, kind="risk", label="none")
        assert resp.status == 409 and "someone else" in await resp.text()
        # One click: the bot was right about the FAQ topic and the risk.
        wrong = await item_key(client, seed.WRONG_FAQ)
        resp = await post(client, "/review/label", key=wrong, confirm="1")
        assert resp.status == 303
        # A topic, and a screen answer.
        confused = await item_key(client, seed.CONFUSED)
        assert (await post(client, "/review/label", key=confused, kind="nlu", label="faq/confidentiality")).status == 303
        unsure = await item_key(client, seed.UNSURE)
        assert (await post(client, "/review/label", key=unsure, kind="screen", question="withdrawal",
                           label="yes")).status == 303
        resp = await post(client, "/review/label", key=unsure, kind="screen", question="withdrawal", label="purple")
        assert resp.status == 400
        got = {(r.kind, r.label, r.confirmed) for r in counted_labels()}
        assert got == {("nlu", "faq/virtual", 1), ("risk", "none", 1), ("nlu", "faq/confidentiality", 0),
                       ("screen", "yes", 0)}
        await client.post("/logout", data={"csrf": "x"})
        client.session.cookie_jar.clear()
        await sign_in(client, "ravi")
        page = await (await client.get("/review")).text()
        assert "waiting for a second reviewer" in page
        assert (await post(client, "/review/label", key=key, kind="risk", label="none")).status == 303
        assert ("risk", "none", 0) in {(r.kind, r.label, r.confirmed) for r in counted_labels()}

    run_console(seeded, scenario)


def test_export_writes_masked_training_data_without_near_duplicates_of_the_evaluation_sets(project_db, tmp_path):
    holdout = yaml.safe_load((ROOT / "tests" / "nlu" / "holdout.yml").read_text())["nlu"][0]
    held_text = holdout["examples"].splitlines()[0].strip()[2:]
    save_label("1:1", "nlu", "my name is Dana, is it ok if my service dog comes along? text 617-555-0142",
               "faq/what_to_bring", "rita")
    save_label("2:1", "nlu", held_text, holdout["intent"], "rita")  # an evaluation message: left out
    save_label("3:1", "nlu", "do you do anything about gambling", "out_of_scope", "rita")
    save_label("4:1", "risk", "ugh this schedule is killing me lol", "none", "rita", escalated=True)  # one reviewer
    save_label("5:1", "risk", "i have been cutting again tonight", "self_harm", "rita")
    save_label("6:1", "screen", "eh kinda shaky when i stop", "yes", "rita", question="withdrawal")
    out = tmp_path / "reviewed"
    counts = export_reviewed.export(out)
    assert counts == {"near_duplicates_left_out": 1, "nlu": 2, "risk": 1, "screening_answers": 1}
    nlu = (out / "nlu.yml").read_text()
    assert "[name]" in nlu and "[phone …42]" in nlu and "0142" not in nlu and "Dana" not in nlu
    assert held_text not in nlu
    data = yaml.safe_load(nlu)
    assert {b["intent"] for b in data["nlu"]} == {"faq/what_to_bring", "out_of_scope"}
    risk = yaml.safe_load((out / "risk" / "reviewed.yml").read_text())
    assert risk["examples"] == [{"text": "i have been cutting again tonight", "label": "self_harm"}]
    answers = yaml.safe_load((out / "screening_answers" / "reviewed.yml").read_text())
    assert answers["answers"] == [{"question": "withdrawal", "text": "eh kinda shaky when i stop", "value": "yes"}]
    # The risk file reads as the risk model's corpus does, the answers as the screen's reader does.
    from bot.core.risk.model import load_corpus
    assert load_corpus([out / "risk" / "reviewed.yml"]) == (["i have been cutting again tonight"], ["self_harm"])


def test_labelled_and_exported_data_passes_rasa_data_validate(project_db, tmp_path):
    """The round trip: labels -> export -> `rasa data validate` with the project's data and domain (no training)."""
    save_label("1:1", "nlu", "can I bring my kid's car seat to the first session", "faq/what_to_bring", "rita")
    save_label("2:1", "nlu", "do you guys fix laptops", "out_of_scope", "rita")
    save_label("3:1", "nlu", "hello there friend", "greet", "rita")
    data = tmp_path / "data"
    subprocess.run(["cp", "-r", str(ROOT / "data"), str(data)], check=True)
    export_reviewed.export(data / "reviewed")
    result = subprocess.run([sys.executable, "-m", "rasa", "data", "validate", "--data", str(data), "--domain",
                             str(ROOT / "domain.yml"), "--config", str(ROOT / "config.yml")],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    from rasa.shared.nlu.training_data.loading import load_data
    loaded = load_data(str(data / "reviewed" / "nlu.yml"))
    assert {m.get("text") for m in loaded.training_examples} == {
        "can I bring my kid's car seat to the first session", "do you guys fix laptops", "hello there friend"}


def test_the_role_is_set_from_the_command_line(project_db, monkeypatch, capsys):
    import io

    from bot.console.__main__ import main
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["add-user", "rita", "--role", "reviewer"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["add-user", "sam"]) == 0
    assert main(["set-role", "sam", "reviewer"]) == 0
    token = auth.start_session(auth.authenticate("sam", PASSWORD))
    assert auth.current_session(token).reviewer
    assert main(["set-role", "nobody", "staff"]) == 1


def test_delete_my_chat_also_deletes_the_review_labels_of_that_conversation(seeded):
    from bot.storage.erase import erase_transcript

    items = by_text(review.review_items())
    phone_item, other = items[mask_personal(seed.PHONE_TEXT)], items[seed.CONFUSED]
    save_label(phone_item["key"], "nlu", phone_item["text"], "faq/start_date", "rita")
    save_label(other["key"], "nlu", other["text"], "faq/confidentiality", "rita")
    erase_transcript("+16175550142", tracker_url=seeded)
    assert [r.text for r in counted_labels()] == [seed.CONFUSED]


def test_exported_risk_labels_and_screen_answers_are_read_by_the_models_training(project_db, tmp_path, monkeypatch):
    """`make train` learns from data/reviewed/: the risk model's corpus and the screen's answer reader take the
    exported files beside their own, and a change to them changes the risk model's fingerprint (it retrains)."""
    from bot.core.screening import answer_model
    from bot.core.nlp import corpora
    from bot.server.nlu import risk_model_component

    save_label("1:1", "risk", "my ex keeps showing up at my door at night and hitting me", "abuse", "rita")
    save_label("2:1", "screen", "wine most nights, maybe a bottle", "daily", "rita", question="frequency")
    out = tmp_path / "reviewed"
    export_reviewed.export(out)
    config = {"corpus": "data/risk", "answers": "data/screening_answers"}
    before = risk_model_component.RiskModelScorer.fingerprint_addon(config)
    monkeypatch.setattr(risk_model_component, "REVIEWED", out / "risk")
    monkeypatch.setattr(corpora, "REVIEWED", out / "screening_answers")
    assert risk_model_component.corpus_files(config)[-1] == out / "risk" / "reviewed.yml"
    assert risk_model_component.RiskModelScorer.fingerprint_addon(config) != before
    assert ("wine most nights, maybe a bottle", "daily") in answer_model.load_answers()["frequency"]
    assert "wine most nights, maybe a bottle" in corpora.answer_texts(ROOT / "data" / "screening_answers")
