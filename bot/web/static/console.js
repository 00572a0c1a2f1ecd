// The agents' console in the browser: live queue and transcript (server-sent events), the SMS parts
// count while typing, and canned answers put in the reply box. No build step, no framework.
// Customer and agent words are only ever set with textContent: never innerHTML.
(function () {
  "use strict";

  // -- the queue: refresh when it changed (unless the agent is typing somewhere) ------------------
  function liveQueue(section) {
    var note = section.querySelector("[data-testid=live-note]");
    var source = new EventSource(section.getAttribute("data-live-queue"));
    var pending = null;
    function busy() {
      var el = document.activeElement;
      return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
    }
    function refresh() {
      if (busy()) { pending = setTimeout(refresh, 2000); return; }
      window.location.reload();
    }
    source.addEventListener("queue", function () {
      if (note) { note.hidden = false; }
      if (pending === null) { pending = setTimeout(refresh, 500); }
    });
    setInterval(function () { if (!busy()) { window.location.reload(); } }, 60000); // countdowns move
  }

  // -- a conversation: transcript lines, notes and state as they happen ----------------------------
  function span(cls, text) {
    var el = document.createElement("span");
    el.className = cls;
    el.textContent = text;
    return el;
  }

  function appendLine(list, data) {
    if (list.querySelector('[data-id="' + Number(data.id) + '"]')) { return; } // already shown
    var li = document.createElement("li");
    li.className = "ac-line ac-" + data.sender;
    li.setAttribute("data-testid", "transcript-line");
    li.setAttribute("data-sender", data.sender);
    li.setAttribute("data-id", String(Number(data.id)));
    li.appendChild(span("ac-who", data.sender_label));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("ac-time", data.time));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("ac-text", data.text));
    if (data.attachment && !data.attachment_url) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(span("muted", data.attachment));
    }
    if (data.attachment && typeof data.attachment_url === "string" && data.attachment_url.indexOf("/console/") === 0) {
      var a = document.createElement("a");
      a.className = "ac-attachment";
      a.href = data.attachment_url;
      a.target = "_blank";
      a.rel = "noopener";
      a.setAttribute("data-testid", "attachment");
      a.textContent = data.attachment;
      li.appendChild(document.createTextNode(" "));
      li.appendChild(a);
    }
    list.appendChild(li);
    list.scrollTop = list.scrollHeight;
  }

  function appendNote(list, data) {
    if (list.querySelector('[data-id="' + Number(data.id) + '"]')) { return; }
    var empty = list.querySelector("[data-empty]");
    if (empty) { empty.remove(); }
    var li = document.createElement("li");
    li.className = "ac-note";
    li.setAttribute("data-testid", "note");
    li.setAttribute("data-id", String(Number(data.id)));
    li.appendChild(span("ac-who", data.agent));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("ac-time", data.time));
    li.appendChild(document.createTextNode(" "));
    li.appendChild(span("ac-text", data.text));
    list.appendChild(li);
  }

  function liveConversation(section) {
    var transcript = section.querySelector("[data-testid=transcript]");
    var notes = section.querySelector("[data-testid=notes]");
    var status = section.querySelector("[data-testid=status]");
    var due = section.querySelector("[data-testid=due]");
    var reply = section.querySelector("[data-testid=reply-input]");
    var first = null;
    if (transcript) { transcript.scrollTop = transcript.scrollHeight; } // the latest lines first in view
    var url = section.getAttribute("data-events") + "?after=" + encodeURIComponent(section.getAttribute("data-cursor") || "0.0");
    var source = new EventSource(url); // reconnects by itself, sending Last-Event-ID: it resumes after it
    source.addEventListener("line", function (event) { appendLine(transcript, JSON.parse(event.data)); });
    source.addEventListener("note", function (event) { appendNote(notes, JSON.parse(event.data)); });
    source.addEventListener("state", function (event) {
      var state = JSON.parse(event.data);
      if (status) { status.textContent = state.status_label; status.setAttribute("data-status", state.status); }
      if (due) { due.textContent = state.due_label; due.classList.toggle("ac-bad", !!state.breached); }
      var key = state.status + "|" + (state.agent_id || "");
      if (first === null) { first = key; return; }
      // Someone else took, released or closed it: the buttons this page offers changed. Reload, unless
      // the agent is in the middle of writing.
      if (key !== first && (!reply || reply.value.trim() === "")) { window.location.reload(); }
    });
  }

  // -- SMS parts while typing (the server counts again after sending) ------------------------------
  var GSM7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM7_EXT = "^{}\\[~]|€\f";

  function segments(text) {
    var chars = Array.from(text);
    var gsm = chars.every(function (c) { return GSM7.indexOf(c) >= 0 || GSM7_EXT.indexOf(c) >= 0; });
    var cost = gsm ? function (c) { return GSM7_EXT.indexOf(c) >= 0 ? 2 : 1; }
                   : function (c) { return c.codePointAt(0) > 0xFFFF ? 2 : 1; };
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    var units = chars.reduce(function (sum, c) { return sum + cost(c); }, 0);
    var count = units === 0 ? 0 : 1;
    if (units > single) {
      count = 1;
      var used = 0;
      chars.forEach(function (c) { var k = cost(c); if (used + k > part) { count += 1; used = 0; } used += k; });
    }
    return { encoding: gsm ? "GSM-7" : "UCS-2", units: units, segments: count };
  }

  function smsCounter(section) {
    var reply = section.querySelector("[data-testid=reply-input]");
    var out = section.querySelector("[data-testid=sms-segments]");
    var template = section.getAttribute("data-sms-template") || "";
    if (!reply || !out) { return; }
    function update() {
      var info = segments(reply.value);
      out.textContent = template.replace("{segments}", String(info.segments))
        .replace("{encoding}", info.encoding).replace("{units}", String(info.units));
    }
    reply.addEventListener("input", update);
    update();
  }

  // -- canned answers: search without leaving the page, put the answer in the reply box -----------
  function canned(section) {
    var form = section.querySelector(".ac-canned-search");
    var reply = section.querySelector("[data-testid=reply-input]");
    var intent = section.querySelector("[data-testid=canned-intent]");
    if (!form) { return; }
    var results = section.querySelector("[data-testid=canned-results]");
    if (!results) {
      results = document.createElement("ul");
      results.className = "ac-canned";
      results.setAttribute("data-testid", "canned-results");
      form.after(results);
    }
    if (reply && intent) {
      reply.addEventListener("input", function () { if (reply.value.trim() === "") { intent.value = ""; } });
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = form.querySelector("[name=q]").value;
      fetch(section.getAttribute("data-canned-url") + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (found) {
          results.replaceChildren();
          if (found.length === 0) {
            var none = document.createElement("li");
            none.textContent = section.getAttribute("data-canned-none") || "";
            results.appendChild(none);
          }
          found.forEach(function (answer) {
            var li = document.createElement("li");
            li.setAttribute("data-testid", "canned-result");
            var title = document.createElement("strong");
            title.textContent = answer.title;
            var body = document.createElement("pre");
            body.className = "ac-canned-text";
            body.textContent = answer.text;
            li.appendChild(title);
            li.appendChild(body);
            if (reply) {
              var use = document.createElement("button");
              use.type = "button";
              use.className = "button small ac-canned-use";
              use.setAttribute("data-testid", "canned-use");
              use.textContent = section.getAttribute("data-canned-use") || "↵";
              use.addEventListener("click", function () {
                reply.value = answer.text; // for review: the agent sends it, or edits it first
                if (intent) { intent.value = answer.intent_id; }
                reply.dispatchEvent(new Event("input"));
                reply.focus();
              });
              li.appendChild(use);
            }
            results.appendChild(li);
          });
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var queue = document.querySelector("[data-live-queue]");
    if (queue) { liveQueue(queue); }
    var conversation = document.querySelector("[data-testid=conversation]");
    if (conversation) {
      liveConversation(conversation);
      smsCounter(conversation);
      canned(conversation);
    }
  });
})();
