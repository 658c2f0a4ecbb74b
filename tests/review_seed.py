"""A seeded tracker store for the review queue, the export and the dashboard (tests and browser tests)."""
import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.tracker_store import UrlSQLTrackerStore

DAY = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc).timestamp()
CONFUSED = "can my probation officer see what i say in group"  # fell back
PHONE_TEXT = "my name is Dana Reyes, call me on 617-555-0142 about when i can start"  # low confidence
ESCALATED = "ugh this schedule is killing me lol"  # escalated by mistake
CHECK = "sometimes i wonder whats the point"  # asked directly
WRONG_FAQ = "is there parking near you"  # answered with a topic, then "that's not what i asked"
UNSURE = "eh kinda sometimes when i stop"  # the screen's withdrawal answer ended on "not sure"
FINE = "do you take blue cross"  # confident, nothing to review
TEST_TEXT = "a staff test that fell back"


def user(text, intent, confidence=0.95, at=DAY, risk=None, topic=None, topic_confidence=0.9, channel="socketio"):
    parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text,
             "risk": risk or {"is_risk": False}}
    if topic:
        parse["response_selector"] = {"faq": {"response": {"intent_response_key": topic,
                                                           "confidence": topic_confidence}}}
    return UserUttered(text, parse["intent"], [], parse, timestamp=at, input_channel=channel)


def bot(text, at=DAY):
    return BotUttered(text, timestamp=at)


def action(name, at=DAY):
    return ActionExecuted(name, timestamp=at)


def conversations(at=DAY):
    t = at
    return {
        "web-confused-0000000001": [
            user("hi", "greet", at=t), bot("Hi, I'm the assistant.", t + 1),
            user(CONFUSED, "nlu_fallback", 0.3, at=t + 10), action("action_fallback", t + 11),
            bot("Sorry, I didn't understand that.", t + 11),
            user("can i talk to a person", "human_handoff", at=t + 20), bot("I'll get someone.", t + 21),
        ],
        "+16175550142": [
            user(PHONE_TEXT, "faq", 0.42, at=t + 30, topic="faq/start_date", topic_confidence=0.35,
                 channel="twilio"),
            bot("Most people start within a week.", t + 31),
        ],
        "web-escalated-000000001": [
            user(ESCALATED, "risk_suicide", 1.0, at=t + 40,
                 risk={"is_risk": True, "category": "suicide", "urgency": "urgent", "source": "rules"}),
            bot("If you are thinking about suicide, call or text 988.", t + 41),
            user(CHECK, "risk_check", 1.0, at=t + 50,
                 risk={"is_risk": True, "category": "suicide", "urgency": "check", "source": "model"}),
            bot("Can I ask: are you thinking about ending your life?", t + 51),
        ],
        "web-wrong-faq-000000001": [
            user(WRONG_FAQ, "faq", 0.9, at=t + 60, topic="faq/virtual"),
            bot("We also offer a virtual program.", t + 61),
            user("thats not what i asked", "cannot_understand", 0.9, at=t + 70),
            bot("Sorry about that.", t + 71),
        ],
        "web-screen-00000000001": [
            user("can you check if iop fits me", "start_screening", at=t + 80),
            ActiveLoop("screening_form", timestamp=t + 81),
            bot("Do you get shakes, sweats or seizures when you stop?", t + 82),
            user(UNSURE, "answer", 0.8, at=t + 90), SlotSet("withdrawal", "unsure", timestamp=t + 91),
            user(FINE, "faq", 0.97, at=t + 100, topic="faq/insurance", topic_confidence=0.95),
            bot("We take most plans.", t + 101),
        ],
        "staff-test-shell-000000001": [
            user(TEST_TEXT, "nlu_fallback", 0.2, at=t + 110), action("action_fallback", t + 111),
        ],
    }


def seed_tracker(url, at=DAY):
    async def save_all():
        store = UrlSQLTrackerStore(url=url)
        for sender, events in conversations(at).items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    # In a thread of its own: Playwright's sync API keeps an event loop running in the browser tests' thread.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, save_all()).result()
