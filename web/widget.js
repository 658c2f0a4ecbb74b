/* The IOP helpline chat widget. Plain JavaScript, no build step.
 *
 * A clinic adds one tag to any page:
 *   <script src="https://<bot server>/webhooks/chat/widget.js" defer></script>
 * Everything else (styles, the socket.io client, public clinic details) comes from the same server.
 * Optional: data-socket-path="/socket.io" on the tag if the socket.io channel has another path.
 * Optional: when the server checks JWTs (SOCKETIO_JWT_SECRET), the page supplies a token, either
 * window.iopChatAuthToken (a string, or a function returning one or a promise of one, asked at every
 * connection) or data-auth-token="..." on the tag.
 *
 * Safety rules kept throughout: the crisis line is always on screen; text from the person or the bot is
 * only ever set with textContent (never parsed as HTML); links are built from fixed numbers only (the
 * built-in copy below, or config.json's, taken only as plain tel: and sms: numbers).
 */
(function () {
  "use strict";

  const script = document.currentScript;
  if (!script || window.iopChatWidgetLoaded) return; // a second copy of the tag must not add a second chat
  window.iopChatWidgetLoaded = true;

  const BASE = new URL(".", script.src).href; // .../webhooks/chat/
  const ORIGIN = new URL(script.src).origin;
  const SOCKET_PATH = script.dataset.socketPath || "/socket.io";
  const PERSON = "I want to talk to a person";
  const MAX_KEPT = 300; // transcript entries kept in this tab

  // Crisis wording: the status lines when the server is slow or unreachable, and the crisis links (each href a
  // fixed string). The server sends domain.yml's in config.json (bot/server/channels/widget.py: crisis_config), where
  // the numbers are written once; this built-in copy is only for when config.json cannot be loaded, and
  // tests/server/test_widget_channel.py fails when it differs from domain.yml. It is strict JSON.
  // built-in crisis config: start
  const BUILT_IN = {
    "texts": {
      "stuck": "Still trying to connect… If you are in danger, call 911, or call or text 988.",
      "reconnecting": "Reconnecting… Anything you send now goes out when the connection is back. In danger? Call 911, or call or text 988.",
      "slow": "The answer is taking longer than usual. If you are in danger, call 911, or call or text 988.",
      "failed": "The chat can't reach the server right now. If you are in danger, call 911, or call or text 988."
    },
    "lines": {
      "emergency": ["Call 911", "tel:911"],
      "lifelineCall": ["Call 988", "tel:988"],
      "lifelineText": ["Text 988", "sms:988"],
      "poison": ["Poison Help: 1-800-222-1222", "tel:+18002221222"],
      "samhsa": ["SAMHSA Helpline: 1-800-662-4357", "tel:+18006624357"],
      "dv": ["Domestic Violence Hotline: 1-800-799-7233", "tel:+18007997233"],
      "dvText": ["Text START to 88788", "sms:88788?&body=START"],
      "textLine": ["Text HOME to 741741", "sms:741741?&body=HOME"]
    }
  };
  // built-in crisis config: end
  const TEXT = Object.assign({ connecting: "Connecting…", waiting: "Waiting to send" }, BUILT_IN.texts);
  const LINES = Object.assign({}, BUILT_IN.lines);
  const CRISIS = {
    suicide: ["lifelineCall", "lifelineText", "emergency"],
    self_harm: ["emergency", "lifelineCall", "lifelineText", "textLine"],
    overdose: ["emergency", "poison"],
    withdrawal_danger: ["emergency", "samhsa"],
    medical_emergency: ["emergency"],
    violence: ["emergency", "lifelineCall", "lifelineText"],
    abuse: ["emergency", "dv", "dvText", "lifelineCall"],
  };
  const OUTCOMES = {
    detox_first: ["A medical check for withdrawal may come first",
      "Please don't stop alcohol or sedatives suddenly on your own. Our admissions team can help you find " +
      "medically supervised withdrawal (detox) first."],
    higher_level_of_care: ["More support than IOP may fit, at least to start",
      "Our admissions team can talk with you about partial hospitalization or residential care."],
    iop_may_fit: ["IOP may be a good fit",
      "Next step: an assessment with our clinical team. Ask for a callback or call our admissions team."],
    outpatient_may_fit: ["Standard outpatient care may be enough for now",
      "Our admissions team can talk through outpatient care with you, or IOP if you want more support."],
  };
  const STARTERS = [
    { title: "What is IOP?", payload: "what is iop" },
    { title: "Is IOP right for me?", payload: "is iop right for me" },
    { title: "Insurance and cost", payload: "do you take my insurance" },
  ];

  // ---------- storage: this tab only, so closing the tab forgets the chat (shared computers) ----------
  const KEY = "iop-chat:" + ORIGIN + ":";
  function load(name, fallback) {
    try {
      const raw = sessionStorage.getItem(KEY + name);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }
  function save(name, value) {
    try {
      sessionStorage.setItem(KEY + name, JSON.stringify(value));
    } catch (e) { /* storage blocked or full: the chat still works, it just won't survive a reload */ }
  }
  function randomId() {
    if (crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  let sessionId = load("session", null) || randomId();
  save("session", sessionId);
  let transcript = load("log", []);
  let queue = load("queue", []); // [{id, text}] typed while offline, sent once on reconnect
  if (!Array.isArray(transcript)) transcript = [];
  if (!Array.isArray(queue)) queue = [];
  // Every bot message this chat has been sent, counted so that after a reconnect the server can send again
  // the ones that went out while the connection was down.
  // Unknown (null) for a chat begun before the widget counted: then nothing is asked for again.
  let received = load("received", transcript.length ? null : 0);
  if (received !== null && !(Number.isInteger(received) && received >= 0)) received = null;
  let config = {};

  // ---------- DOM helpers: strings always become text nodes ----------
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (value !== false && value != null) node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }
  function link(key, extraClass) {
    const [label, href] = LINES[key];
    return el("a", { class: "iopw-call " + (extraClass || ""), href: href }, label);
  }
  // Full phone numbers in the bot's text become tap-to-call links; everything else stays text.
  const PHONE = /\b1-\d{3}-\d{3}-\d{4}\b|\(\d{3}\) \d{3}-\d{4}/g;
  function withPhoneLinks(text) {
    const out = document.createDocumentFragment();
    let last = 0;
    for (const m of text.matchAll(PHONE)) {
      const digits = m[0].replace(/\D/g, "");
      out.append(text.slice(last, m.index), el("a", { href: "tel:+" + (digits.length === 11 ? digits : "1" + digits) }, m[0]));
      last = m.index + m[0].length;
    }
    out.append(text.slice(last));
    return out;
  }
  const hidden = (text) => el("span", { class: "iopw-vh" }, text);

  // ---------- the widget's elements (in a shadow root: the page's styles and ours don't mix) ----------
  const host = el("div", { id: "iop-chat-widget" });
  const shadow = host.attachShadow({ mode: "open" });
  const style = el("link", { rel: "stylesheet", href: BASE + "widget.css" });
  const root = el("div", { class: "iopw", hidden: true }); // shown once the styles are in

  // The always-visible crisis bar: "In danger now?", the emergency number, the lifeline to call or text (from the
  // crisis links, filled again when config.json arrives).
  const crisisBars = [];
  const numberOf = (href) => href.replace(/^(tel|sms):\+?/, "").replace(/\?.*$/, "");
  function fillCrisisBar(bar) {
    const [emergency, lifelineCall, lifelineText] = [LINES.emergency, LINES.lifelineCall, LINES.lifelineText];
    bar.replaceChildren(el("strong", null, "In danger now?"), " ",
      el("span", { class: "iopw-nowrap" }, el("a", { href: emergency[1] }, emergency[0]), " ·"), " ",
      el("span", { class: "iopw-nowrap" }, el("a", { href: lifelineCall[1], "aria-label": lifelineCall[0] }, "Call"), " or ",
        el("a", { href: lifelineText[1], "aria-label": lifelineText[0] }, "text " + numberOf(lifelineText[1]))));
    return bar;
  }
  function crisisBar() {
    const bar = fillCrisisBar(el("p", { class: "iopw-crisis" }));
    crisisBars.push(bar);
    return bar;
  }
  // The server's crisis wording (config.json's "crisis", from domain.yml) replaces the built-in copy; a link is
  // taken only when its href is a plain tel: or sms: number, so links stay built from fixed numbers.
  const SAFE_HREF = /^(tel:\+?\d{3,15}|sms:\d{3,15}(\?&body=[A-Z]{1,20})?)$/;
  const known = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  function applyCrisis(crisis) {
    if (!crisis || typeof crisis !== "object") return;
    for (const [key, text] of Object.entries(crisis.texts || {})) {
      if (known(BUILT_IN.texts, key) && typeof text === "string" && text.trim()) TEXT[key] = text;
    }
    for (const [key, line] of Object.entries(crisis.lines || {})) {
      if (known(BUILT_IN.lines, key) && Array.isArray(line) && line.length === 2 && typeof line[0] === "string" &&
          line[0].trim() && typeof line[1] === "string" && SAFE_HREF.test(line[1])) LINES[key] = [line[0], line[1]];
    }
    for (const bar of crisisBars) fillCrisisBar(bar);
    if (!status.hidden) showStatus();
  }

  const launcher = el("button", { type: "button", class: "iopw-launch", "aria-expanded": "false",
    "aria-controls": "iopw-panel", onclick: () => setOpen(true) }, "Chat with us");
  const dock = el("div", { class: "iopw-dock" }, crisisBar(), launcher);

  const title = el("h2", { class: "iopw-title", id: "iopw-title" }, "Helpline chat");
  const personButton = el("button", { type: "button", class: "iopw-person", onclick: () => send(PERSON) },
    "Talk to a person");
  const closeButton = el("button", { type: "button", class: "iopw-close", "aria-label": "Close chat",
    onclick: () => setOpen(false) }, "×");
  const status = el("p", { class: "iopw-status", role: "status", hidden: true });
  const notice = el("div", { class: "iopw-notice" });
  const log = el("div", { class: "iopw-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": "Conversation", tabindex: "0" }, notice);
  const typing = el("p", { class: "iopw-typing", hidden: true },
    el("span", { class: "iopw-dots", "aria-hidden": "true" }, el("span"), el("span"), el("span")),
    " The assistant is typing…");
  const input = el("input", { type: "text", id: "iopw-input", class: "iopw-input", autocomplete: "off",
    maxlength: "1000", enterkeyhint: "send" });
  const form = el("form", { class: "iopw-form", onsubmit: (e) => { e.preventDefault(); sendTyped(); } },
    el("label", { for: "iopw-input", class: "iopw-vh" }, "Type your message"),
    input,
    el("button", { type: "submit", class: "iopw-send" }, "Send"));
  const replies = el("div", { class: "iopw-replies", role: "group", "aria-label": "Suggested replies" });
  const panel = el("section", { id: "iopw-panel", class: "iopw-panel", "aria-labelledby": "iopw-title", hidden: true },
    el("div", { class: "iopw-head" },
      el("div", { class: "iopw-titles" }, title, el("p", { class: "iopw-sub" }, "Automated, not a clinician")),
      personButton, closeButton),
    crisisBar(), status, log, typing, form, replies);
  root.append(dock, panel);
  shadow.append(style, root);
  const reveal = () => { root.hidden = false; log.scrollTop = log.scrollHeight; };
  style.addEventListener("load", reveal);
  style.addEventListener("error", reveal);

  function fillNotice() {
    const name = config.program_name || "our program";
    const days = config.retention_days ? `for ${config.retention_days} days` : "for a limited time";
    title.textContent = config.program_name ? `${config.program_name} chat` : "Helpline chat";
    notice.replaceChildren(
      el("p", null, el("strong", null, "This is an automated assistant, not a person or a clinician."),
        ` It answers questions about ${name} and can connect you with our team. It is not for emergencies.`),
      el("p", null, `What you write is stored on our server ${days} so our team can follow up, then deleted. ` +
        "You don't need to give your name. This tab keeps a copy of the chat until you close it."));
    if (config.phone && /^tel:\+\d{11}$/.test(config.phone_href || "")) {
      notice.append(el("p", null, "Prefer to call? ", el("a", { href: config.phone_href }, config.phone),
        config.office_hours ? ` (${config.office_hours})` : ""));
    }
  }

  // ---------- rendering the conversation ----------
  function crisisCard(entry) {
    let keys = CRISIS[entry.category] || ["emergency", "lifelineCall", "lifelineText"];
    const imminent = entry.urgency === "imminent";
    if (imminent) keys = ["emergency", ...keys.filter((k) => k !== "emergency")]; // danger now: the emergency number first
    return el("div", { class: "iopw-card iopw-card-crisis" },
      el("h3", null, imminent ? "Please get help now" : "Help is available right now"),
      el("p", null, "These lines answer day and night."),
      el("div", { class: "iopw-calls" }, ...keys.map((k, i) => link(k, i === 0 ? "iopw-call-first" : ""))));
  }
  function resultCard(entry) {
    const [head, next] = OUTCOMES[entry.outcome] ||
      ["Thank you for answering", "Our admissions team can talk through what care may fit you."];
    const card = el("div", { class: "iopw-card iopw-card-result" },
      el("p", { class: "iopw-card-label" }, "Your check result"),
      el("h3", null, head),
      el("p", null, next),
      el("p", { class: "iopw-small" }, "This is not a diagnosis. Only an assessment with our clinical team decides."));
    if (/^tel:\+\d{11}$/.test(config.phone_href || "")) {
      card.append(el("a", { class: "iopw-call iopw-call-first", href: config.phone_href }, `Call admissions: ${config.phone}`));
    }
    return card;
  }
  function draw(entry) {
    let node = null;
    if (entry.kind === "user") {
      node = el("div", { class: "iopw-msg iopw-user", "data-id": entry.id }, hidden("You said: "), el("span", null, entry.text));
      if (entry.pending) node.append(el("span", { class: "iopw-pending" }, TEXT.waiting));
      setReplies([]);
    } else if (entry.kind === "bot" && entry.from === "staff") {
      // A person from the admissions team, through the staff console: never shown as the assistant.
      node = el("div", { class: "iopw-msg iopw-bot iopw-staff" },
        el("span", { class: "iopw-from" }, "Admissions team"), hidden(": "), withPhoneLinks(entry.text));
    } else if (entry.kind === "bot" && entry.from === "notice") {
      node = el("div", { class: "iopw-msg iopw-event", role: "note" }, withPhoneLinks(entry.text));
    } else if (entry.kind === "bot") {
      node = el("div", { class: "iopw-msg iopw-bot" }, hidden("Assistant: "), withPhoneLinks(entry.text));
      if (entry.buttons && entry.buttons.length) setReplies(entry.buttons);
    } else if (entry.kind === "crisis") {
      node = crisisCard(entry);
    } else if (entry.kind === "result") {
      node = resultCard(entry);
    }
    if (node) log.append(node);
    log.scrollTop = log.scrollHeight;
  }
  function add(entry) {
    transcript.push(entry);
    if (transcript.length > MAX_KEPT) transcript = transcript.slice(-MAX_KEPT);
    save("log", transcript);
    draw(entry);
  }
  function setReplies(buttons) {
    const hadFocus = replies.contains(shadow.activeElement);
    replies.replaceChildren(...buttons.map((b) =>
      el("button", { type: "button", class: "iopw-reply", onclick: () => send(b.payload, b.title) }, b.title)));
    replies.hidden = buttons.length === 0;
    if (hadFocus) input.focus(); // the pressed button is gone: keep the keyboard user in the chat
  }

  // ---------- connection ----------
  let socket = null;
  let ready = false; // connected and the session confirmed
  let everReady = false;
  let troubled = false; // a connection attempt has failed
  let slow = false;
  let clientFailed = false; // the socket.io client could not be loaded
  let waitTimer = 0;
  let typingTimer = 0;

  function showStatus() {
    let text = "";
    if (clientFailed) text = TEXT.failed;
    else if (!ready) text = everReady ? TEXT.reconnecting : troubled ? TEXT.stuck : TEXT.connecting;
    else if (slow) text = TEXT.slow;
    status.textContent = text;
    status.hidden = !text;
  }
  let clientRequested = false;
  function loadClient() {
    if (clientRequested) return;
    clientRequested = true;
    if (window.io) return connect();
    const tag = el("script", { src: BASE + "socket.io.min.js" });
    tag.addEventListener("load", connect);
    tag.addEventListener("error", () => { clientFailed = true; showStatus(); });
    document.head.append(tag);
  }
  function connect() {
    // WebSocket first: it also works when the widget is embedded on another site (Rasa's socket.io
    // server sends no CORS headers for long-polling); polling remains a fallback on the same site.
    socket = window.io(ORIGIN, { path: SOCKET_PATH, transports: ["websocket", "polling"], tryAllTransports: true,
      reconnectionDelay: 1000, reconnectionDelayMax: 10000, auth: withToken });
    socket.on("connect", () => socket.emit("session_request",
      received === null ? { session_id: sessionId } : { session_id: sessionId, received }));
    socket.on("session_confirm", (confirmed) => {
      // The server may swap an id it won't accept for a new one: use the one it confirmed from now on.
      if (typeof confirmed === "string" && confirmed && confirmed !== sessionId) {
        sessionId = confirmed;
        save("session", sessionId);
        received = 0;
        save("received", received);
      }
      ready = everReady = true;
      showStatus();
      flush();
    });
    socket.on("disconnect", (reason) => {
      ready = false;
      waiting(false); // no answer can arrive while offline: "Reconnecting…" says what is going on
      if (reason === "io server disconnect") socket.connect(); // the client does not retry this one itself
    });
    socket.on("connect_error", () => { troubled = true; showStatus(); });
    // After a catch-up the server says how many messages the conversation has sent in all (fewer after
    // "delete my chat"): counting goes on from there.
    socket.on("iop_sync", (sync) => {
      if (received !== null && sync && Number.isInteger(sync.received) && sync.received >= 0) {
        received = sync.received;
        save("received", received);
      }
    });
    socket.on("bot_uttered", (message, ack) => {
      if (received !== null) {
        received += 1;
        save("received", received);
      }
      receive(message);
      // A staff reply carries a delivery id and asks for an acknowledgement: it is given once the reply is in
      // the open chat, so the team's console can show it delivered (bot/server/channels/socketio.py).
      if (typeof ack === "function" && message && typeof message.delivery === "string") acknowledge(ack);
    });
    showStatus();
  }

  // Acknowledgements of staff replies that arrived while the chat was closed (the launcher showing): given
  // when the person opens it and the reply is on screen.
  let unacknowledged = [];
  function acknowledge(ack) {
    if (panel.hidden) unacknowledged.push(ack);
    else ack(true);
  }
  function acknowledgeShown() {
    const waitingAcks = unacknowledged;
    unacknowledged = [];
    for (const ack of waitingAcks) ack(true);
  }

  function withToken(callback) {
    const given = window.iopChatAuthToken;
    Promise.resolve(typeof given === "function" ? given() : given)
      .catch(() => null)
      .then((token) => {
        token = token || script.dataset.authToken;
        callback(typeof token === "string" && token ? { token: token } : {});
      });
  }

  function flush() {
    if (!ready || !queue.length) return;
    for (const item of queue) {
      // metadata.widget: the bot's answers then point to the "Talk to a person" button (bot/server/nlg.py).
      socket.emit("user_uttered", { message: item.text, session_id: sessionId, metadata: { widget: "iop" } });
      const entry = transcript.find((e) => e.id === item.id);
      if (entry) delete entry.pending;
      const pending = log.querySelector(`[data-id="${item.id}"] .iopw-pending`);
      if (pending) pending.remove();
    }
    queue = [];
    save("queue", queue);
    save("log", transcript);
    waiting(true);
  }
  function waiting(on) {
    clearTimeout(waitTimer);
    clearTimeout(typingTimer);
    typing.hidden = !on;
    slow = false;
    if (on) waitTimer = setTimeout(() => { slow = true; showStatus(); }, 30000);
    showStatus();
  }
  function send(text, shown) {
    text = String(text || "").trim();
    if (!text) return;
    const id = randomId().slice(0, 12);
    add({ kind: "user", id: id, text: shown || text, pending: !ready });
    queue.push({ id: id, text: text });
    save("queue", queue);
    flush();
  }
  function sendTyped() {
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send(text);
  }

  function quickReplies(list) {
    if (!Array.isArray(list)) return [];
    return list.filter((b) => b && typeof b.title === "string" && b.title)
      .map((b) => ({ title: b.title, payload: typeof b.payload === "string" && b.payload ? b.payload : b.title }));
  }
  function receive(message) {
    if (!message || typeof message !== "object") return;
    // Rasa sends a custom payload either as {custom: {...}} or as the message itself.
    const custom = message.custom && typeof message.custom === "object" ? message.custom : message;
    if (typeof message.text === "string" && message.text.trim()) {
      const from = message.staff === true ? "staff" : message.console_notice === true ? "notice" : "assistant";
      add({ kind: "bot", from, text: message.text, buttons: quickReplies(message.quick_replies || message.buttons) });
    }
    const escalation = custom.escalation;
    if (escalation && typeof escalation === "object") {
      add({ kind: "crisis", category: String(escalation.category), urgency: String(escalation.urgency) });
    }
    const screening = custom.screening;
    if (screening && typeof screening === "object") add({ kind: "result", outcome: String(screening.outcome) });
    // A turn often has several messages: keep the dots up a moment for the rest.
    clearTimeout(waitTimer);
    slow = false;
    showStatus();
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.hidden = true; }, 1500);
  }

  // ---------- open / close ----------
  function setOpen(open) {
    panel.hidden = !open;
    dock.hidden = open;
    launcher.setAttribute("aria-expanded", String(open));
    save("open", open);
    if (open) {
      loadClient();
      log.scrollTop = log.scrollHeight;
      acknowledgeShown();
      input.focus();
    } else {
      launcher.focus();
    }
  }

  function start() {
    fillNotice();
    fetch(BASE + "config.json", { credentials: "omit" })
      .then((r) => (r.ok ? r.json() : {}))
      .then((c) => { config = c && typeof c === "object" ? c : {}; applyCrisis(config.crisis); fillNotice(); })
      .catch(() => {});
    setReplies(STARTERS);
    for (const entry of transcript) draw(entry);
    document.body.append(host);
    if (load("open", false)) {
      panel.hidden = false;
      dock.hidden = true;
      launcher.setAttribute("aria-expanded", "true");
      loadClient();
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
