"""The one seam to Rasa: every change the project makes to the internals of Rasa Open Source, Sanic and
python-socketio, and every use of one of their private names, is in this module (issue 20).

Everything here was written against, and checked with, these versions (requirements.lock):

    rasa 3.6.21, rasa-sdk 3.6.2, sanic 21.12.2, python-socketio 5.9.x (pinned below 5.10, DESIGN.md)

Two kinds of change live here:

- Patches of Rasa's classes (`install()`): the action-server answer check built once, the event class
  lookup remembered, and the circuit-breaker hook on every message processor. Nothing documented lets a
  project change these, so they are patches; `install()` is the ONE explicit call that applies them, made at
  start-up by every Rasa process of the project (bot/server/serve.py for `rasa run`, bot/server/rasa_cli.py for `rasa run`
  under `make shell` and `rasa test core`). It checks the installed Rasa version first and refuses another
  one with `RasaVersionError`: these changes lean on code that Rasa does not promise to keep. Importing this
  module, or any module of the project, changes nothing (tests/server/test_rasa_seam.py).
- Subclasses and helpers that reach a private name of Rasa, Sanic or python-socketio (a tracker store's
  `_retrieve`, a lock store's `cleanup` done by hand, `Sanic._app_registry`, a socket.io output's
  `_send_message`, ...). The project's own classes go through Rasa's documented extension points (a custom
  TrackerStore, LockStore, NLG or InputChannel class named in endpoints.yml / credentials.yml) and take
  these as base classes or helpers, so only this file needs reading when Rasa is upgraded. They check the
  Rasa version when they are built (not when imported).

No module outside this one imports or touches a private name of rasa, sanic or socketio
(tests/server/test_rasa_seam.py reads every module of bot/ and actions/ to check it).
"""
from __future__ import annotations

import functools
import itertools
import logging
import weakref
from contextlib import contextmanager
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Optional, Text, Tuple

from rasa.core.channels.rest import RestInput
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# The Rasa version every change below was written against and tested with. Another version may have moved
# or changed any of them: a newer Rasa must be checked change by change (and this constant raised) first.
RASA_VERSION = "3.6.21"


class RasaVersionError(RuntimeError):
    """The installed Rasa is not the one the project's changes to Rasa were written against."""


def installed_rasa_version() -> str:
    from rasa import version

    return str(version.__version__)


def check_rasa_version() -> None:
    """Raises RasaVersionError unless the installed Rasa is RASA_VERSION."""
    found = installed_rasa_version()
    if found != RASA_VERSION:
        raise RasaVersionError(
            f"Rasa {found} is installed, but the project's changes to Rasa's internals (bot/server/rasa_seam.py) were "
            f"written against Rasa {RASA_VERSION} and are not known to work with another version. Install "
            f"rasa=={RASA_VERSION} (`make install` from requirements.lock), or check every change in "
            f"bot/server/rasa_seam.py against Rasa {found} and then raise RASA_VERSION.")


_installed = False


def installed() -> bool:
    """Has `install()` run in this process?"""
    return _installed


def install() -> None:
    """Applies every patch of Rasa's classes, once per process, after checking the Rasa version."""
    global _installed
    if _installed:
        return
    check_rasa_version()
    _install_action_result_check()
    _install_event_lookup()
    _install_circuit_breaker_hook()
    _installed = True


def warn_unless_installed(who: str) -> None:
    """The project's extension classes call this when they are built: a Rasa server started without
    bot/server/serve.py or bot/server/rasa_cli.py lacks the fixes above, and the log must say so."""
    if not _installed:
        logger.error("%s is used in a Rasa process started without bot.server.rasa_seam.install(): the circuit-breaker "
                     "fix and the speed-ups are missing. Start Rasa with `python -m bot.server.serve` or "
                     "`python -m bot.server.rasa_cli` (scripts/run.sh, scripts/shell.sh do).", who)


# ---------------------------------------------------------------------------------------------------------
# 1. Patch (rasa 3.6.21, rasa/core/actions/action.py, RemoteAction._validate_action_result).
# After each custom action Rasa checks the action server's answer with `jsonschema.validate`, which checks
# the whole event schema itself and builds a new validator (and reference resolver) every time: about a
# third of the Rasa server's CPU (README, "Speed"). The same check with the validator built once gives the
# same verdicts and the same error message (tests/server/test_rasa_speedups.py). The validator is used only on the
# server's event loop, never from two threads at once (its reference resolver keeps a scope stack).
# No extension point: RemoteAction is built by Rasa itself for every custom action.
# ---------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _action_result_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)  # once, as jsonschema.validate would on every call
    return cls(schema)


def validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    """RemoteAction._validate_action_result with a validator built once: same errors, same message."""
    from jsonschema import ValidationError, exceptions
    from rasa.shared.constants import DOCS_BASE_URL

    error = exceptions.best_match(_action_result_validator().iter_errors(result))
    if error is None:
        return True
    assert isinstance(error, ValidationError)
    error.message += (
        ". Failed to validate Action server response from API, make sure your response from the Action "
        f"endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def _install_action_result_check() -> None:
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------------------
# 2. Patch (rasa 3.6.21, rasa/shared/core/events.py, Event.resolve_by_type).
# Every event read from the tracker store finds its class by walking all subclasses of Event (about 7% of
# the server's CPU). Found classes are remembered by type name; a name not found yet still takes Rasa's own
# walk (tests/server/test_rasa_speedups.py). No extension point: deserialisation is Rasa's own.
# ---------------------------------------------------------------------------------------------------------
def _remembering(resolve: Callable[..., Any]) -> Any:
    found: Dict[Text, Any] = {}

    def resolve_by_type(type_name: Text, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = resolve(type_name, default)
            if cls is not None and getattr(cls, "type_name", None) == type_name:
                found[type_name] = cls
        return cls

    resolve_by_type.__wrapped__ = resolve  # type: ignore[attr-defined]
    return staticmethod(resolve_by_type)


def _install_event_lookup() -> None:
    from rasa.shared.core.events import Event

    Event.resolve_by_type = _remembering(Event.resolve_by_type)  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------------------
# 3. Patch (rasa 3.6.21, rasa/core/processor.py, MessageProcessor.__init__ and its `on_circuit_break`).
# Rasa 3.6 stops a turn after `max_number_of_predictions` actions without listening (a rule loop) and then
# counts those same actions against every later message, so the conversation could never answer again, a
# crisis included. The processor has a hook for exactly this moment, `on_circuit_break`, which nothing
# sets; every processor built after install() gets `end_the_turn`, which ends the stopped turn as Rasa ends
# any turn, with action_listen (Rasa saves the tracker right after). Tested in tests/server/test_circuit_breaker.py.
# No extension point: the agent builds its processor itself (again on every model load).
# ---------------------------------------------------------------------------------------------------------
def end_the_turn(tracker: Any, output_channel: Any = None, nlg: Any = None) -> None:
    """Rasa's on_circuit_break callback: the stopped turn ends by listening for the next message."""
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.events import ActionExecuted

    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    logger.error("circuit breaker tripped in conversation=%s: the turn was ended so the next message is answered",
                 tracker.sender_id)


def _install_circuit_breaker_hook() -> None:
    from rasa.core.processor import MessageProcessor

    original = MessageProcessor.__init__

    @functools.wraps(original)
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if self.on_circuit_break is None:
            self.on_circuit_break = end_the_turn

    MessageProcessor.__init__ = init  # type: ignore[method-assign]


# ---------------------------------------------------------------------------------------------------------
# 4. Tracker store (rasa 3.6.21, rasa/core/tracker_store.py, SQLTrackerStore._retrieve and
# _additional_events). Extension point: a custom tracker store class (endpoints.yml `tracker_store: type:`);
# bot/server/tracker_store.UrlSQLTrackerStore subclasses this one. Rasa's save counts the conversation's
# stored events with a query to know which events are new. A tracker this store read or wrote already says
# how many are stored, so that query is skipped for it (one conversation's turns are serialised by the lock
# store, so nobody else adds events meanwhile). The count is kept beside the tracker (a weak reference),
# not on Rasa's tracker object.
# ---------------------------------------------------------------------------------------------------------
_stored_counts: Dict[int, Tuple["weakref.ReferenceType[DialogueStateTracker]", int]] = {}


def _remember_stored(tracker: DialogueStateTracker) -> None:
    key = id(tracker)
    if key not in _stored_counts:
        weakref.finalize(tracker, _stored_counts.pop, key, None)
    _stored_counts[key] = (weakref.ref(tracker), len(tracker.events))


def stored_events(tracker: DialogueStateTracker) -> Optional[int]:
    """How many of this tracker's events the store holds, when this process read or wrote it."""
    entry = _stored_counts.get(id(tracker))
    return entry[1] if entry is not None and entry[0]() is tracker else None


class CountingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQLTrackerStore that saves only the events it knows to be new, without counting them first."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        check_rasa_version()
        warn_unless_installed(type(self).__name__)
        super().__init__(*args, **kwargs)

    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool) -> Optional[DialogueStateTracker]:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            _remember_stored(tracker)
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = stored_events(tracker)
        if stored is None or stored > len(tracker.events):
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, len(tracker.events))

    async def save(self, tracker: DialogueStateTracker) -> None:
        await super().save(tracker)
        _remember_stored(tracker)


# ---------------------------------------------------------------------------------------------------------
# 5. Lock store (rasa 3.6.21, rasa/core/lock_store.py, RedisLockStore and LockStore.cleanup).
# Extension point: a custom lock store class (endpoints.yml `lock_store: type:`); bot/server/lock_store.
# UrlRedisLockStore subclasses this one. Rasa 3.6 changes a conversation's ticket lock by read-modify-write
# (get, change, save), which two processes can interleave: both get ticket 0, or one's release overwrites
# the other's new ticket, and two turns of one conversation then run at once and lose an event (seen in
# tests/integration/test_scale.py). Each of those changes runs here under a short Redis mutex (redis-py's
# Lock: SET NX with a token and an expiry). `cleanup` is rewritten because Rasa's calls finish_serving,
# which takes the (not re-entrant) mutex again: it must do what Rasa's does, under one mutex.
# ---------------------------------------------------------------------------------------------------------
class MutexRedisLockStore(RedisLockStore):
    MUTEX_SECONDS = 5  # far longer than one get-change-save; expires on its own if a process dies holding it
    MUTEX_KEY_PREFIX = "iop:lock-mutex:"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        check_rasa_version()
        super().__init__(*args, **kwargs)

    @contextmanager
    def conversation_mutex(self, conversation_id: Text) -> Iterator[None]:
        with self.red.lock(f"{self.MUTEX_KEY_PREFIX}{conversation_id}", timeout=self.MUTEX_SECONDS,
                           blocking_timeout=self.MUTEX_SECONDS * 2):
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self.conversation_mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        with self.conversation_mutex(conversation_id):
            super().finish_serving(conversation_id, ticket_number)

    def update_lock(self, conversation_id: Text) -> None:
        with self.conversation_mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self.conversation_mutex(conversation_id):
            # Rasa 3.6.21's LockStore.cleanup, with Rasa's own finish_serving (ours would take the mutex again).
            RedisLockStore.finish_serving(self, conversation_id, ticket_number)
            if not self.is_someone_waiting(conversation_id):
                self.delete_lock(conversation_id)


# ---------------------------------------------------------------------------------------------------------
# 6. The running agent (sanic 21.12.2, Sanic._app_registry; rasa 3.6.21 keeps its agent in `app.ctx.agent`).
# A channel's message handler is given only the message, and the channel guard (bot/server/channels/guard.py) and
# the SMS and socket.io channels need the agent's stores and response generator. `Sanic.get_app()` (public)
# refuses to choose when more than one app is registered (tests start several), so the registry is read.
# ---------------------------------------------------------------------------------------------------------
def current_agent() -> Optional[Any]:
    from sanic import Sanic

    for app in list(Sanic._app_registry.values()):
        agent = getattr(app.ctx, "agent", None)
        if agent is not None:
            return agent
    return None


# ---------------------------------------------------------------------------------------------------------
# 7. Rasa's REST channel (rasa 3.6.21, rasa/core/channels/rest.py, RestInput._extract_sender and
# _extract_input_channel). Extension point: a custom InputChannel in credentials.yml; bot/server/channels/rest.py
# subclasses this one and overrides the two public hooks below instead of Rasa's private methods.
# ---------------------------------------------------------------------------------------------------------
class HookedRestInput(RestInput):
    async def conversation_id(self, request: Any, sender: Optional[Text]) -> Optional[Text]:
        """The conversation a request belongs to; Rasa's choice (the body's `sender`) unless overridden."""
        return sender

    def input_channel_name(self, request: Any) -> Text:
        """The channel a request is recorded under; Rasa takes the body's `input_channel` unless overridden."""
        return RestInput._extract_input_channel(self, request)

    async def _extract_sender(self, req: Any) -> Optional[Text]:
        return await self.conversation_id(req, await super()._extract_sender(req))

    def _extract_input_channel(self, req: Any) -> Text:
        return self.input_channel_name(req)


# ---------------------------------------------------------------------------------------------------------
# 8. Rasa's socket.io channel and python-socketio's server (rasa 3.6.21, rasa/core/channels/socketio.py;
# python-socketio 5.9, python-engineio 4.x). Extension point: a custom InputChannel in credentials.yml
# (bot/server/channels/socketio.GuardedSocketIOInput subclasses SocketIOInput). Rasa builds its AsyncServer inside
# `blueprint()` with no way to pass options, so the project changes the built server through these helpers,
# and reads its room membership through them (which sockets have a web conversation open now).
# ---------------------------------------------------------------------------------------------------------
async def send_to_socket(output: Any, socket_id: Text, payload: Any) -> None:
    """SocketIOOutput._send_message: emits Rasa's bot message event to one room."""
    await output._send_message(socket_id, payload)


def use_redis_manager(sio: Any, url: str) -> None:
    """Several Rasa processes: a reply produced on one (a staff message through the HTTP API, say) must
    reach a socket held by another. python-socketio's Redis manager publishes it to all; Rasa's server was
    built with the in-process manager, so it is swapped (and attached to the server, as AsyncServer does)."""
    import socketio

    sio.manager = socketio.AsyncRedisManager(url)
    sio.manager.set_server(sio)


def live_sockets(sio: Any, room: Text, namespace: Optional[Text] = None) -> List[Text]:
    """The sockets of THIS process in a room (a web conversation's session id): python-socketio's manager
    keeps room membership per process (`manager.get_participants`, which fails for a namespace nobody has
    joined yet). With the Redis manager (several processes) a socket held by another process is not listed:
    see `spans_processes`. Used to tell whether a staff reply reaches an open chat (bot/server/channels/socketio.py)."""
    namespace = namespace or "/"
    if namespace not in sio.manager.rooms:
        return []
    return [sid for sid, _ in sio.manager.get_participants(namespace, room)]


def spans_processes(sio: Any) -> bool:
    """Is this server's manager python-socketio's pub/sub (Redis) manager, so that a room may have sockets in
    other processes that `live_sockets` cannot see? (Its emit with a callback still reaches them and brings
    the acknowledgement back through Redis: python-socketio 5.9, AsyncPubSubManager.emit and _handle_emit.)"""
    # Not exported by the package in 5.9 (and the module is async_pubsub_manager from 5.10 on).
    from socketio.asyncio_pubsub_manager import AsyncPubSubManager

    return isinstance(sio.manager, AsyncPubSubManager)


def listen_to_other_processes(sio: Any) -> None:
    """python-socketio 5.9 starts a server's Redis listener (`manager.initialize()`) on the server's first
    socket connection (AsyncServer._handle_eio_connect). A process that has had none (the staff reply came to it
    through the HTTP API) would never hear the acknowledgement coming back through Redis: start it now, as that
    first connection would. Call it from the running event loop."""
    if not sio.manager_initialized:
        sio.manager_initialized = True
        sio.manager.initialize()


def replace_handler(sio: Any, event: str, namespace: Optional[str],
                    handler: Callable[..., Awaitable[Any]]) -> None:
    """Registers `handler` for `event` in place of the one Rasa's blueprint registered (python-socketio keeps
    one handler per event and namespace: the later registration wins). Used for `session_request`."""
    sio.on(event, handler, namespace=namespace)


def set_origin_check(sio: Any, accepts: Callable[[Optional[str], Dict[str, str]], bool]) -> None:
    """Rasa builds its server with cors_allowed_origins=[], which switches python-engineio's origin checks
    off. engineio reads these two attributes of its server on each request, so they are set after the fact.
    No credentials: neither the widget nor rasa-webchat sends cookies."""
    sio.eio.cors_allowed_origins = accepts
    sio.eio.cors_credentials = False


class CollectingSocket:
    """Stands in for python-socketio's server under a SocketIOOutput: what would be emitted is kept, in order."""

    def __init__(self) -> None:
        self.sent: list = []

    async def emit(self, event: str, data: Any = None, **kwargs: Any) -> None:
        self.sent.append(data)
