/* supportbot web chat: the script tag a vendor puts on its pages.
 *
 *   <script src="https://bot.example.com/widget.js?key=SITE" async></script>
 *   window.SupportWidget.identify({userId: "42", name: "Li", hash: "<hex HMAC-SHA256(secret, '42')>"})
 *   (or, before the tag: window.SupportWidget = {user: {userId: "42", name: "Li", hash: "..."}})
 *
 * Shows a chat bubble that opens the bot's iframe. Identity goes to the iframe by postMessage with the
 * bot's origin as targetOrigin (never '*'); messages from the iframe are heard only from the bot's origin
 * and from that iframe's window. No user content is ever written as HTML here.
 */
(function () {
  "use strict";
  var CONFIG = /*CONFIG*/null;
  if (!CONFIG || window.SupportWidget && window.SupportWidget._loaded) { return; }
  var script = document.currentScript;
  var lang = (script && script.getAttribute("data-lang")) || navigator.language || "";
  function asIdentity(user) {
    return user ? {userId: String(user.userId), name: user.name ? String(user.name) : "", hash: String(user.hash || "")} : null;
  }
  // A page may name its user before this script loads: window.SupportWidget = {user: {userId, name, hash}}.
  var identity = asIdentity(window.SupportWidget && window.SupportWidget.user);
  var frame = null;
  var bubble = null;
  var frameReady = false;

  function label() {
    var l = lang.toLowerCase();
    if (l.indexOf("zh") === 0) {
      return /hant|-tw|-hk|-mo/.test(l) ? CONFIG.labels["zh-Hant"] : CONFIG.labels["zh-Hans"];
    }
    return l.indexOf("en") === 0 ? CONFIG.labels.en : CONFIG.labels["zh-Hans"];
  }

  function sendIdentity() {
    if (frame && frameReady && frame.contentWindow) {
      frame.contentWindow.postMessage({type: "supportbot:identity", identity: identity}, CONFIG.origin);
    }
  }

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.id = "supportbot-frame";
      frame.title = label();
      frame.setAttribute("data-testid", "widget-frame");
      frame.src = CONFIG.base + "/chat/frame?key=" + encodeURIComponent(CONFIG.key) +
        "&origin=" + encodeURIComponent(window.location.origin) + "&lang=" + encodeURIComponent(lang);
      var s = frame.style;
      s.position = "fixed"; s.right = "20px"; s.bottom = "90px"; s.width = "370px"; s.height = "560px";
      s.maxWidth = "calc(100vw - 40px)"; s.maxHeight = "calc(100vh - 110px)"; s.border = "0";
      s.borderRadius = "12px"; s.boxShadow = "0 8px 30px rgba(0,0,0,.25)"; s.zIndex = "2147483646"; s.background = "#fff";
      document.body.appendChild(frame);
    } else {
      frame.style.display = frame.style.display === "none" ? "block" : "none";
    }
  }

  function close() { if (frame) { frame.style.display = "none"; } }

  window.addEventListener("message", function (event) {
    // Only the bot's own frame speaks to this page.
    if (event.origin !== CONFIG.origin || !frame || event.source !== frame.contentWindow) { return; }
    var data = event.data || {};
    if (data.type === "supportbot:ready") { frameReady = true; sendIdentity(); }
    else if (data.type === "supportbot:close") { close(); }
  });

  function mount() {
    bubble = document.createElement("button");
    bubble.type = "button";
    bubble.setAttribute("data-testid", "widget-bubble");
    bubble.setAttribute("aria-label", label());
    bubble.title = label();
    bubble.textContent = "💬";
    var s = bubble.style;
    s.position = "fixed"; s.right = "20px"; s.bottom = "20px"; s.width = "56px"; s.height = "56px"; s.borderRadius = "50%";
    s.border = "0"; s.background = "#1d4ed8"; s.color = "#fff"; s.fontSize = "26px"; s.cursor = "pointer";
    s.boxShadow = "0 4px 14px rgba(0,0,0,.3)"; s.zIndex = "2147483647";
    bubble.addEventListener("click", open);
    document.body.appendChild(bubble);
  }

  window.SupportWidget = {
    _loaded: true,
    /* {userId, name, hash}: the vendor's logged-in user, signed by the vendor's server; null logs out. */
    identify: function (user) {
      identity = asIdentity(user);
      sendIdentity();
    },
    open: function () { if (!frame || frame.style.display === "none") { open(); } },
    close: close
  };
  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
