"""The action server (rasa-sdk): `rasa run actions --actions actions`."""
from actions.callback import ActionSaveCallback, ValidateCallbackForm  # noqa: F401
from actions.crisis_followup import ValidateCrisisFollowupForm  # noqa: F401
from actions.escalation import ActionEscalate  # noqa: F401
from actions.faq import ActionAnswerMore  # noqa: F401
from actions.fallback import ActionFallback  # noqa: F401
from actions.handoff import ActionRequestHuman  # noqa: F401
from actions.screening.form import ValidateScreeningForm  # noqa: F401
from actions.screening.result import ActionScreeningResult  # noqa: F401

from bot.core.screening import answer_model as _answer_model  # noqa: E402

_answer_model.warm_up()
