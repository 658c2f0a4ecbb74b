// Staff console: keeps the queue and the open conversation current without a reload, and announces new
// urgent conversations. Everything from the server is set with textContent: never as HTML.
"use strict";

(function () {
  const body = document.body;
  const page = body.dataset.page;
  const QUEUE_EVERY_MS = 4000;
  const CONVERSATION_EVERY_MS = 3000;
  const SEEN_KEY = "console.urgentSeen";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, text) {
    const a = el("a", "", text);
    a.href = href;
    return a;
  }

  let stopped = false;
  function setStatus(text) {
    const status = document.getElementById("poll-status");
    if (status && status.textContent !== text) status.textContent = text;
  }

  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (resp.status === 401) {
      stopped = true;
      const status = document.getElementById("poll-status");
      status.textContent = "Your session has ended. ";
      status.appendChild(link("/login", "Sign in again"));
      throw new Error("signed out");
    }
    const data = await resp.json();
    if (!resp.ok) throw new Error(data.error || "The console answered with an error.");
    return data;
  }

  function every(ms, task) {
    async function tick() {
      if (stopped) return;
      try {
        await task();
        setStatus("");
      } catch (err) {
        if (!stopped) setStatus(err.message === "Failed to fetch"
          ? "The console is not answering. Retrying..." : err.message);
      }
      if (!stopped) setTimeout(tick, ms);
    }
    tick();
  }

  // ---------- urgent notices, on every page ----------
  function loadSeen() {
    try {
      const raw = sessionStorage.getItem(SEEN_KEY);
      return raw === null ? null : new Set(JSON.parse(raw));
    } catch (e) {
      return null;
    }
  }
  let seen = loadSeen();
  if (seen === null && body.dataset.urgentIds !== undefined) {
    seen = new Set(body.dataset.urgentIds.split(" ").filter(Boolean).map(Number));
  }

  // ---------- an optional sound for a new urgent conversation (off until a staff member turns it on) ----------
  const SOUND_KEY = "console.urgentSound";
  let audio = null;

  function soundOn() {
    try { return localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; }
  }

  function beep() {
    // Two short tones made in the page (Web Audio): no sound file, nothing loaded from anywhere.
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      if (audio === null) audio = new Context();
      if (audio.state === "suspended") audio.resume();
      [0, 0.3].forEach(function (offset) {
        const tone = audio.createOscillator();
        const volume = audio.createGain();
        tone.frequency.value = 880;
        volume.gain.value = 0.2;
        tone.connect(volume);
        volume.connect(audio.destination);
        tone.start(audio.currentTime + offset);
        tone.stop(audio.currentTime + offset + 0.18);
      });
    } catch (e) { /* no sound: the visible alert is still there */ }
  }

  const soundToggle = document.getElementById("urgent-sound");
  if (soundToggle) {
    soundToggle.checked = soundOn();
    document.getElementById("sound-setting").hidden = false;  // it needs this script to work
    soundToggle.addEventListener("change", function () {
      try { localStorage.setItem(SOUND_KEY, soundToggle.checked ? "on" : "off"); } catch (e) { /* private mode */ }
      if (soundToggle.checked) beep();  // a sample now; the click also lets the browser play it later
    });
  }

  function announce(fresh) {
    const notice = document.getElementById("urgent-notice");
    notice.replaceChildren();
    notice.appendChild(el("strong", "", fresh.length === 1
      ? "New urgent conversation waiting: " : fresh.length + " new urgent conversations waiting: "));
    fresh.forEach(function (h, i) {
      if (i) notice.appendChild(document.createTextNode("; "));
      const what = h.urgency_label + ", " + h.reason + (h.category ? " (" + h.category + ")" : "") +
        ", " + h.channel_label;
      notice.appendChild(link(h.url, what));
    });
    const dismiss = el("button", "link", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", function () { notice.hidden = true; });
    notice.appendChild(document.createTextNode(" "));
    notice.appendChild(dismiss);
    notice.hidden = false;
    if (soundOn()) beep();
  }

  function checkUrgent(queue) {
    // Every live urgent conversation nobody has claimed, whatever view, search or page is shown.
    const urgent = queue.urgent_waiting;
    const ids = urgent.map(function (h) { return h.id; });
    if (seen !== null) {
      const fresh = urgent.filter(function (h) { return !seen.has(h.id); });
      if (fresh.length) announce(fresh);
    }
    seen = new Set(ids);
    try { sessionStorage.setItem(SEEN_KEY, JSON.stringify(ids)); } catch (e) { /* private mode: fine */ }
    const base = document.title.replace(/^\(\d+ urgent waiting\) /, "");
    document.title = (ids.length ? "(" + ids.length + " urgent waiting) " : "") + base;
  }

  // ---------- the queue page ----------
  function cell(row, text, label, className) {
    const td = el("td", className || "", text);
    if (label) td.dataset.label = label;
    row.appendChild(td);
    return td;
  }

  function setText(id, text) {
    const node = document.getElementById(id);
    if (node && node.textContent !== text) node.textContent = text;
  }

  function renderTable(tableId, countId, count, rows, withStaff, emptyText) {
    const tbody = document.querySelector("#" + tableId + " tbody");
    if (!tbody) return;
    tbody.replaceChildren();
    setText(countId, "(" + count + ")");
    if (!rows.length) {
      const tr = el("tr", "empty");
      cell(tr, emptyText).colSpan = withStaff ? 7 : 6;
      tbody.appendChild(tr);
      return;
    }
    rows.forEach(function (h) {
      const tr = el("tr", "urgency-" + h.urgency);
      cell(tr, "", "Urgency").appendChild(el("span", "badge " + h.urgency, h.urgency_label));
      cell(tr, h.reason + (h.category ? " (" + h.category + ")" : ""), "Why");
      const channel = cell(tr, h.channel_label, "Channel");
      if (h.opted_out) {
        channel.appendChild(document.createTextNode(" "));
        channel.appendChild(el("span", "badge optout", "opted out of texts"));
      }
      cell(tr, h.who, "Who");
      if (withStaff) cell(tr, h.claimed_by, "Staff");
      cell(tr, h.waiting, withStaff ? "Open for" : "Waiting");
      cell(tr, "", "", "open").appendChild(link(h.url, "Open"));
      tbody.appendChild(tr);
    });
  }

  // The alerts always follow the live queue (urgent_waiting); the tables follow this page's own view, search and
  // page, the staff shell's test conversations included when this is their page.
  every(QUEUE_EVERY_MS, async function () {
    const queue = await getJSON("/api/queue" + (page === "queue" ? window.location.search : ""));
    checkUrgent(queue);
    if (page === "queue" && queue.view !== "closed") {
      const searching = queue.q !== "";
      renderTable("waiting-table", "waiting-count", queue.counts.waiting, queue.waiting, false,
        searching ? "No waiting conversation matches." : "Nobody is waiting.");
      renderTable("claimed-table", "claimed-count", queue.view === "mine" ? queue.counts.mine : queue.counts.claimed,
        queue.claimed, true, searching ? "No conversation with staff matches." :
          queue.view === "mine" ? "You have no conversation right now." : "No conversation is with staff.");
      setText("pager-text", "Page " + queue.page + " of " + queue.pages + ": " + queue.shown);
      setText("callbacks-to-do", String(queue.callbacks_to_do));
    }
  });

  // ---------- one conversation ----------
  if (page === "handoff") {
    const id = body.dataset.handoffId;
    let last = null;

    function renderTranscript(lines) {
      const list = document.getElementById("transcript");
      const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
      list.replaceChildren();
      lines.forEach(function (line) {
        const li = el("li", "line " + line.who + (line.risk ? " risk" : "") + (line.not_sent ? " not-sent" : "") +
          (line.opted_out ? " opted-out" : ""));
        const meta = el("span", "meta");
        meta.appendChild(el("span", "label", line.label));
        meta.appendChild(document.createTextNode(" "));
        meta.appendChild(el("time", "", line.time));
        function flag(text, className) {
          meta.appendChild(document.createTextNode(" "));
          meta.appendChild(el("span", "flag" + (className ? " " + className : ""), text));
        }
        if (line.risk) flag(line.risk_flag);
        if (line.since_claim) flag("since the claim");
        if (line.crisis) flag("crisis resources");
        if (line.not_sent) flag("not sent (opted out)", "unsent");
        if (line.delivery_label) flag(line.delivery_label, "delivery " + line.delivery);
        li.appendChild(meta);
        li.appendChild(el("span", "text", line.text));
        if (line.options.length) li.appendChild(el("span", "options", "Options: " + line.options.join(" · ")));
        list.appendChild(li);
      });
      if (atBottom) window.scrollTo(0, document.body.scrollHeight);
    }

    every(CONVERSATION_EVERY_MS, async function () {
      const data = await getJSON("/api/handoffs/" + encodeURIComponent(id));
      const problem = document.getElementById("transcript-error");
      problem.textContent = data.transcript_error;
      problem.hidden = !data.transcript_error;
      if (!data.transcript_error) {
        const now = JSON.stringify(data.transcript);
        // The first answer is rendered too: it may already hold messages that came after the page was made.
        if (now !== last) {
          const before = document.querySelectorAll("#transcript li.person").length;
          renderTranscript(data.transcript);
          const people = data.transcript.filter(function (line) { return line.who === "person"; });
          if (people.length > before) {
            const newest = people[people.length - 1];
            document.getElementById("transcript-news").textContent =
              "New message from the person at " + newest.time + (newest.risk ? " (risk signal)" : "") + ".";
          }
          last = now;
        }
      }
      const handBack = document.getElementById("handback-label");
      if (handBack && data.risk_since_claim) {
        // A risk message since the claim: handing back now needs a note and keeps the conversation in the queue.
        handBack.textContent = "Note (needed: the person wrote a risk message since the claim)";
        document.getElementById("handback-hint").textContent = "The conversation goes back to the queue as " +
          "urgent, unclaimed, with your note, so that someone else follows up.";
      }
      const h = data.handoff;
      if (h.urgency !== body.dataset.urgency) {
        // A risk signal while this page is open: the person already got the crisis numbers from the assistant.
        const badge = document.getElementById("urgency-badge");
        badge.textContent = h.urgency_label;
        badge.className = "badge " + h.urgency;
        document.getElementById("reason").textContent = h.reason + (h.category ? " (" + h.category + ")" : "");
        if (h.urgent) {
          const alert = document.getElementById("urgency-changed");
          alert.textContent = "Now " + h.urgency_label.toLowerCase() + ": the person wrote something that signals risk" +
            (h.category ? " (" + h.category + ")" : "") + ". The assistant has sent them the crisis numbers.";
          alert.hidden = false;
        }
        body.dataset.urgency = h.urgency;
      }
      if (data.handoff.status !== body.dataset.status || data.handoff.claimed_by !== body.dataset.claimedBy) {
        document.getElementById("state-changed").hidden = false;
      }
    });
  }
})();
