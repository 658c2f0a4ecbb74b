"""bot/server/rasa_seam.py, patch 3.
A turn Rasa's circuit breaker stops ends by listening, so the conversation answers the next message.

Runs Rasa's own prediction loop (MessageProcessor._run_prediction_loop) with a policy stuck on one action,
as the fallback loop of session 4 was: without the hook, the ten stopped actions counted against every
later message and the conversation never answered again.
"""
import asyncio
from unittest import mock

from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server import rasa_seam

rasa_seam.install()  # as every Rasa process of the project does at start-up (bot/server/serve.py, bot/server/rasa_cli.py)


def processor() -> MessageProcessor:
    metadata = mock.Mock(assistant_id="test")
    with mock.patch.object(MessageProcessor, "_load_model", return_value=("model", metadata, None)):
        return MessageProcessor("model", tracker_store=None, lock_store=None, generator=None)


def stuck_turn(proc: MessageProcessor) -> DialogueStateTracker:
    """One turn in which the policies predict action_fallback again and again."""
    tracker = DialogueStateTracker.from_events("c1", [ActionExecuted("action_listen"),
                                                      UserUttered("🙏", {"name": "affirm", "confidence": 0.8})])
    action = mock.Mock()
    action.name.return_value = "action_fallback"

    async def run_action(action, tracker, *args):
        tracker.update(ActionExecuted(action.name()))
        return True

    # Rasa's own limit check runs (predict_next_with_tracker_if_should); only the prediction is fixed.
    with mock.patch.object(proc, "_predict_next_with_tracker", return_value=PolicyPrediction([1.0], "RulePolicy")), \
            mock.patch("rasa.core.actions.action.action_for_index", return_value=action), \
            mock.patch.object(proc, "_run_action", side_effect=run_action):
        asyncio.run(proc._run_prediction_loop(CollectingOutputChannel(), tracker))
    return tracker


def test_every_processor_built_by_the_project_has_the_hook():
    assert processor().on_circuit_break is rasa_seam.end_the_turn


def test_a_stopped_turn_ends_by_listening_and_the_next_message_is_answered():
    proc = processor()
    tracker = stuck_turn(proc)
    actions = [e.action_name for e in tracker.events if isinstance(e, ActionExecuted)]
    assert actions.count("action_fallback") == proc.max_number_of_predictions
    assert actions[-1] == "action_listen"
    tracker.update(UserUttered("i want to die", {"name": "risk_suicide", "confidence": 1.0}))
    assert not proc.is_action_limit_reached(tracker, should_predict_another_action=True)


def test_without_the_hook_the_conversation_stays_stopped():
    # What Rasa 3.6 does on its own: the reason the hook exists.
    proc = processor()
    proc.on_circuit_break = None
    tracker = stuck_turn(proc)
    tracker.update(UserUttered("i want to die", {"name": "risk_suicide", "confidence": 1.0}))
    assert proc.is_action_limit_reached(tracker, should_predict_another_action=True)
