"""The console's client for the Rasa server's HTTP API (enabled by `--enable-api --auth-token`).

- transcript: GET /conversations/{id}/tracker
- take over / give back: append a `pause` or `resume` event (Rasa's ConversationPaused / ConversationResumed:
  while paused, Rasa predicts nothing, so the assistant stays quiet);
- a staff message: append a `bot` event with `execute_side_effects=true` and `output_channel=latest`, so the
  Rasa server sends it through the output channel of the conversation's latest input channel (socket.io:
  the person's chat window; SMS: a text), and keeps it in the conversation's tracker.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import aiohttp
from yarl import URL

from bot.core import wording
from bot.core.contract import CONSOLE_NOTICE, STAFF
from bot.storage.sms import DELIVERY, NOT_TEXTED

logger = logging.getLogger(__name__)

# What the person sees. No staff names: the person only needs to know a human is (or no longer is) there.
# Wording: domain.yml's utter_staff_joined and utter_staff_handed_back (bot/core/wording.py).
JOINED = wording.text("utter_staff_joined")
HANDED_BACK = wording.text("utter_staff_handed_back")

# Channels whose replies reach the person when the Rasa server sends them; REST answers only the request.
DELIVERING_CHANNELS = {"socketio", "twilio"}


_PATH_SAFE = "/+@:=!$&'()*,;-._~"


class RasaUnavailable(RuntimeError):
    """The Rasa server did not answer as expected; the message is fit to show to staff."""


class RasaClient:
    def __init__(self, base_url: str, token: Optional[str], timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: Optional[aiohttp.ClientSession] = None

    @classmethod
    def from_env(cls) -> "RasaClient":
        port = os.environ.get("RASA_PORT", "5005")
        return cls(os.environ.get("RASA_URL") or f"http://127.0.0.1:{port}", os.environ.get("RASA_API_TOKEN"))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self.timeout)
        return self._session

    @staticmethod
    def _path(conversation_id: str) -> str:
        # Rasa's route takes the id as a path and Sanic (21.12) does not unquote it, so an id is sent as it is:
        # web session ids and SMS numbers ("+16175550142") only hold characters a path can carry. An id that
        # would need percent-encoding (only possible on the REST test channel) cannot be addressed.
        if not conversation_id or quote(conversation_id, safe=_PATH_SAFE) != conversation_id:
            raise RasaUnavailable("This conversation's id has characters the assistant's API cannot take "
                                  "(a REST test conversation?).")
        return conversation_id

    async def _request(self, method: str, path: str, params: Dict[str, str], body: Any = None) -> Any:
        if not self.token:
            raise RasaUnavailable("The console has no RASA_API_TOKEN, so it cannot reach the assistant's server.")
        # encoded=True: the path goes out exactly as built above.
        url = URL(f"{self.base_url}{path}", encoded=True).with_query({**params, "token": self.token})
        try:
            async with self._http().request(method, url, json=body) as resp:
                if resp.status in (401, 403):
                    raise RasaUnavailable("The assistant's server refused the console's token (RASA_API_TOKEN).")
                if resp.status == 409:
                    raise RasaUnavailable("The assistant's server has no model loaded yet.")
                if resp.status >= 400:
                    logger.error("Rasa API %s answered %s", method, resp.status)
                    raise RasaUnavailable(f"The assistant's server answered with an error ({resp.status}).")
                return await resp.json(content_type=None)
        except RasaUnavailable:
            raise
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            # The URL carries the token: log the kind of failure only.
            logger.error("Rasa API unreachable (%s)", type(exc).__name__)
            raise RasaUnavailable("The assistant's server is not answering. Check that the bot is running.") from None

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return await self._request("GET", f"/conversations/{self._path(conversation_id)}/tracker", {})

    async def append(self, conversation_id: str, events: List[Dict[str, Any]], send: bool = False) -> Dict[str, Any]:
        params = {"include_events": "NONE"}
        if send:
            params.update(output_channel="latest", execute_side_effects="true")
        return await self._request("POST", f"/conversations/{self._path(conversation_id)}/tracker/events", params,
                                   events)

    # not_texted: the person's number is opted out of texts, so the SMS line will not send the notice; the flag
    # keeps the transcript truthful about it.
    async def take_over(self, conversation_id: str, not_texted: bool = False) -> None:
        await self.append(conversation_id, [{"event": "pause"}, _notice(JOINED, not_texted)], send=True)

    async def reply(self, conversation_id: str, text: str, delivery: Optional[str] = None) -> None:
        """`delivery`: an id under which the SMS line records what became of the text (bot.storage.sms.DELIVERY)."""
        # Pause again first: Rasa starts a new, unpaused session after a long silence, and the assistant
        # must not talk over a staff member who still has the conversation.
        await self.append(conversation_id, [{"event": "pause"}, _staff_message(text, delivery)], send=True)

    async def hand_back(self, conversation_id: str, not_texted: bool = False) -> None:
        # A person from the team has judged the conversation: the crisis follow-up (crisis_followup_form),
        # which otherwise ends only with an explicit "I'm safe", ends here too. The handoff's own state
        # (kept open after a risk message since the claim) is the console's.
        await self.append(conversation_id, [{"event": "resume"}, *END_CRISIS_FOLLOW_UP,
                                            _notice(HANDED_BACK, not_texted)], send=True)


END_CRISIS_FOLLOW_UP = [{"event": "active_loop", "name": None},
                        {"event": "slot", "name": "requested_slot", "value": None},
                        {"event": "slot", "name": "crisis_safety", "value": "staff"}]


def _staff_message(text: str, delivery: Optional[str] = None) -> Dict[str, Any]:
    # Rasa copies a bot event's metadata into what the channel receives: only a flag (and, by text, the delivery
    # id the SMS line records its outcome under), never a name.
    return {"event": "bot", "text": text, "metadata": {STAFF: True, **({DELIVERY: delivery} if delivery else {})}}


def _notice(text: str, not_texted: bool = False) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {CONSOLE_NOTICE: True, **({NOT_TEXTED: True} if not_texted else {})}}
