/* supportbot web chat: the page inside the iframe (served by the bot, so it talks to the bot's API
 * same-origin). Everything a person or the bot wrote is set as textContent, never parsed as HTML.
 * postMessage is heard only from the embedding page, and only when its origin is one the site key
 * allows (the server checked the `origin` parameter; a message from any other origin is ignored). */
(function () {
  "use strict";
  var CONFIG = JSON.parse(document.getElementById("chat-config").textContent);
  var T = CONFIG.texts;
  var API = CONFIG.base + "/chat/api";
  var STORE = "supportbot:" + CONFIG.key;
  var log = document.getElementById("chat-log");
  var notices = document.getElementById("chat-notices");
  var input = document.getElementById("chat-input");
  var token = null;
  var tokenUser = null;
  var lastId = 0;
  var seen = {};
  var source = null;
  var started = false;
  var identityNow = null;  // the identity the session is for (null: anonymous), to reopen an expired one

  function randomId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function notice(message, sticky) {
    notices.textContent = "";
    if (!message) { return; }
    var line = document.createElement("div");
    line.className = "chat-notice";
    line.setAttribute("data-testid", "chat-notice");
    line.textContent = message;
    notices.appendChild(line);
    if (!sticky) { setTimeout(function () { if (line.parentNode) { line.parentNode.removeChild(line); } }, 8000); }
  }

  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({token: token, user: tokenUser})); } catch (e) { /* storage off */ }
  }

  function button(label, testid, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = testid;
    b.setAttribute("data-testid", testid);
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function render(ev) {
    if (!ev || seen[ev.id]) { return; }
    seen[ev.id] = true;
    if (ev.id > lastId) { lastId = ev.id; }
    if (ev.sender === "customer" && !ev.text && !ev.photo) { return; }  // a button press shows no bubble
    var item = document.createElement("div");
    item.className = "chat-message from-" + ev.sender;
    item.setAttribute("data-testid", "chat-message");
    item.setAttribute("data-sender", ev.sender);
    item.setAttribute("data-id", String(ev.id));
    var who = document.createElement("div");
    who.className = "chat-who";
    if (ev.sender === "agent") {
      var name = document.createElement("span");
      name.className = "chat-agent-name";
      name.textContent = ev.agent || "";
      var person = document.createElement("span");
      person.className = "chat-label chat-label-person";
      person.setAttribute("data-testid", "chat-label-person");
      person.textContent = T.person_label;
      who.appendChild(name); who.appendChild(person);
    } else if (ev.sender === "bot" || ev.sender === "system") {
      var bot = document.createElement("span");
      bot.className = "chat-label chat-label-bot";
      bot.setAttribute("data-testid", "chat-label-bot");
      bot.textContent = T.bot_label;
      who.appendChild(bot);
    } else {
      who.textContent = T.you;
    }
    item.appendChild(who);
    if (ev.text) {
      var body = document.createElement("div");
      body.className = "chat-text";
      body.textContent = ev.text;
      item.appendChild(body);
    }
    if (ev.photo) {
      var img = document.createElement("img");
      img.className = "chat-photo";
      img.alt = T.your_photo;
      img.src = API + "/uploads/" + encodeURIComponent(ev.photo) + "?token=" + encodeURIComponent(token || "");
      item.appendChild(img);
    }
    if (ev.options && ev.options.length) {
      var options = document.createElement("div");
      options.className = "chat-options";
      ev.options.forEach(function (o) {
        options.appendChild(button(o.label, "chat-option", function () { act(o.action, o.label); }));
      });
      item.appendChild(options);
    }
    if (ev.feedback) {
      var fb = document.createElement("div");
      fb.className = "chat-feedback";
      var up = button("👍", "chat-feedback-up", function () { act(ev.feedback.up, "👍"); });
      var down = button("👎", "chat-feedback-down", function () { act(ev.feedback.down, "👎"); });
      up.title = T.feedback_up; down.title = T.feedback_down;
      fb.appendChild(up); fb.appendChild(down);
      item.appendChild(fb);
    }
    // Keep the log in id order whatever arrived first (the POST answer or the stream).
    var after = null;
    Array.prototype.forEach.call(log.children, function (child) {
      if (after === null && Number(child.getAttribute("data-id")) > ev.id) { after = child; }
    });
    log.insertBefore(item, after);
    dropOldOptions();
    log.scrollTop = log.scrollHeight;
  }

  /* A list of choices is only valid for the very next message (the engine's rule): only the newest
   * message keeps its buttons. */
  function dropOldOptions() {
    var lists = log.querySelectorAll(".chat-options");
    var newest = log.lastElementChild;
    Array.prototype.forEach.call(lists, function (list) {
      if (list.parentNode !== newest) { list.parentNode.removeChild(list); }
    });
  }

  function request(path, options) {
    options.headers = options.headers || {};
    options.headers.Authorization = "Bearer " + token;
    return fetch(API + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) { return {status: response.status, data: data}; });
    });
  }

  /* Post once per client id; retried with the same id when the network or the server fails (an instance
     that died answers 5xx through the proxy), so never twice: the server recognises the client id. */
  function post(path, makeBody, attempt) {
    attempt = attempt || 0;
    function retry() {
      if (attempt >= 6) { notice(T.send_failed, true); return; }
      notice(T.send_failed);
      return new Promise(function (resolve) { setTimeout(resolve, 1000 * (attempt + 1)); })
        .then(function () { return post(path, makeBody, attempt + 1); });
    }
    return request(path, makeBody()).then(function (result) {
      if (result.status >= 500) { return retry(); }
      if (result.status === 200) { (result.data.events || []).forEach(render); notice(""); return; }
      if (result.status === 401) {
        // The token expired (unused too long) or was ended: a new session, then the same post again.
        if (attempt >= 6) { notice(T.session_expired, true); return; }
        return renew().then(function (ok) {
          if (ok) { return post(path, makeBody, attempt + 1); }
          notice(T.session_expired, true);
        });
      }
      notice((result.data && result.data.notice) || T.bad_request, result.status !== 429);
    }, retry);
  }

  function json(body) {
    return function () { return {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)}; };
  }

  /* Typed before the session opened ("Connecting..."): kept, and sent in order once it is open. */
  var waiting = [];

  function say(text) {
    if (!text.trim()) { return; }
    if (!token) { waiting.push(text); return; }
    post("/messages", json({client_id: randomId(), text: text}));
  }

  function act(action, label) {
    if (!token) { return; }
    post("/actions", json({client_id: randomId(), action: action, label: label || ""}));
  }

  function upload(file) {
    if (!token || !file) { return; }
    var clientId = randomId();
    post("/uploads", function () {
      var form = new FormData();
      form.append("client_id", clientId);
      form.append("file", file);
      return {method: "POST", body: form};
    });
  }

  function listen() {
    if (source) { source.close(); }
    source = new EventSource(API + "/events?token=" + encodeURIComponent(token) + "&since=" + lastId);
    source.onmessage = function (message) {
      try { render(JSON.parse(message.data)); } catch (e) { /* a line we cannot read: skip it */ }
    };
    source.onopen = function () { notice(""); };
    source.onerror = function () {
      notice(T.reconnecting, true);
      if (source.readyState === EventSource.CLOSED) {
        // A stream refused (401 closes an EventSource for good) or a server gone: ask which.
        setTimeout(function () {
          alive(token).then(function (ok) { if (ok) { listen(); } else { renew(); } }, function () { listen(); });
        }, 3000);
      }
    };
  }

  /* Whether a token still opens its session (a network failure rejects: the caller retries as before). */
  function alive(candidate) {
    return fetch(API + "/session", {headers: {Authorization: "Bearer " + candidate}}).then(function (response) {
      return response.status !== 401;
    });
  }

  /* The server forgets a token we no longer use (sign-out, another user): nobody can reuse it. */
  function end(oldToken) {
    if (!oldToken) { return; }
    fetch(API + "/session/end", {method: "POST", headers: {Authorization: "Bearer " + oldToken}}).catch(function () {});
  }

  /* A new session for the same identity after the old token stopped working; resolves to true when open. */
  function renew() {
    token = null; save();
    if (!identityNow && CONFIG.requireIdentity) { notice(T.identity_required, true); return Promise.resolve(false); }
    return openSession(identityNow).then(function () { return !!token; });
  }

  function begin(newToken, user) {
    var changed = token !== newToken;
    token = newToken; tokenUser = user; save();
    if (changed) { log.textContent = ""; seen = {}; lastId = 0; }
    notice("");
    listen();
    while (waiting.length) { say(waiting.shift()); }
  }

  function openSession(identity) {
    var body = {key: CONFIG.key, lang: CONFIG.language};
    if (identity) { body.user_id = identity.userId; body.hash = identity.hash; body.name = identity.name; }
    return fetch(API + "/session", {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
      .then(function (response) { return response.json().then(function (data) { return {status: response.status, data: data}; }); })
      .then(function (result) {
        if (result.status === 200) { begin(result.data.token, identity ? identity.userId : null); }
        else { notice(result.data.notice || T.identity_refused, true); }
      });
  }

  /* The session for this identity (null: anonymous): the stored one when it is for the same user. */
  function start(identity) {
    started = true;
    identityNow = identity;
    var stored = load();
    var user = identity ? identity.userId : null;
    if (token && tokenUser !== user) { end(token); token = null; }  // switching identity: the old one dies
    if (stored && stored.token && stored.user === user) {
      alive(stored.token).then(function (ok) {
        if (ok) { begin(stored.token, user); } else { renew(); }
      }, function () { begin(stored.token, user); });
      return;
    }
    if (stored && stored.token && stored.token !== token) { end(stored.token); }
    token = null; save();
    if (!identity && CONFIG.requireIdentity) { notice(T.identity_required, true); return; }
    openSession(identity);
  }

  window.addEventListener("message", function (event) {
    // Only the page that embeds us, and only if the site key allows its origin.
    if (event.source !== window.parent || event.origin !== CONFIG.parentOrigin || CONFIG.allowed.indexOf(event.origin) < 0) {
      return;
    }
    var data = event.data || {};
    if (data.type !== "supportbot:identity") { return; }
    var identity = data.identity && data.identity.userId ? data.identity : null;
    if (!started || (identity ? identity.userId : null) !== tokenUser) { start(identity); }
  });

  document.getElementById("chat-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    input.value = "";
    say(text);
  });
  document.getElementById("chat-human").addEventListener("click", function () { act("menu||human", T.human); });
  document.getElementById("chat-upload").addEventListener("change", function (event) {
    upload(event.target.files && event.target.files[0]);
    event.target.value = "";
  });
  document.getElementById("chat-close").addEventListener("click", function () {
    if (window.parent !== window) { window.parent.postMessage({type: "supportbot:close"}, CONFIG.parentOrigin); }
  });

  notice(T.connecting, true);
  if (window.parent !== window) {
    window.parent.postMessage({type: "supportbot:ready"}, CONFIG.parentOrigin);
  }
  // No answer from the page (opened on its own, or an old widget): carry on anonymously.
  setTimeout(function () { if (!started) { start(null); } }, 1500);
})();
