// The municipality's chat, added to any allowed page by one <script src=".../chat/widget.js" defer>.
// No framework and no third-party requests: it talks only to the server it came from. It lives in
// a Shadow DOM so the host page's CSS cannot reach it, keeps its session id in sessionStorage (no
// cookies), announces new messages to screen readers (role=log), works by keyboard alone (Escape
// closes and focus returns to the launcher) and has no animation. With `data-inline` (our own
// /chat/ page) the panel is part of the page and always open; `data-position="left"` puts the
// launcher and panel in the left corner (where the site's own cookie button is on the right).
(() => {
  "use strict";
  const script = document.currentScript;
  const base = new URL(".", script.src).href.replace(/\/$/, "");
  const inline = script.hasAttribute("data-inline");
  const side = script.dataset.position === "left" ? " left" : "";
  const STORE = "voicebot-chat";
  const CSS = `
    :host { all: initial; font-family: system-ui, -apple-system, "Segoe UI", sans-serif;
            font-size: 1rem; line-height: 1.45; color: #1a1a1a; }
    * { box-sizing: border-box; }
    button, input { font: inherit; }
    .launcher { position: fixed; right: 1rem; bottom: 1rem; z-index: 2147483000;
                background: #1d4f91; color: #fff; border: 2px solid #1d4f91; border-radius: 2rem;
                padding: .7rem 1.2rem; cursor: pointer; }
    .panel { display: flex; flex-direction: column; background: #fff; color: #1a1a1a;
             border: 1px solid #6b6b6b; border-radius: .5rem; overflow: hidden; }
    .floating { position: fixed; right: 1rem; bottom: 4.5rem; z-index: 2147483000;
                width: min(24rem, calc(100vw - 2rem)); height: min(36rem, calc(100vh - 6rem)); }
    .inline { width: 100%; max-width: 40rem; min-height: 28rem; height: 70vh; }
    .panel[hidden] { display: none; }
    .left.launcher, .left.floating { left: 1rem; right: auto; }
    header { display: flex; justify-content: space-between; align-items: center; gap: .5rem;
             background: #1d4f91; color: #fff; padding: .5rem .8rem; }
    h2 { font-size: 1.1rem; margin: 0; }
    .close { background: #fff; color: #1d4f91; border: 2px solid #fff; border-radius: .3rem;
             padding: .2rem .6rem; cursor: pointer; }
    .notice { font-size: .875rem; color: #3d3d3d; margin: 0; padding: .5rem .8rem;
              border-bottom: 1px solid #d0d0d0; }
    .log { flex: 1; overflow-y: auto; padding: .6rem .8rem; display: flex;
           flex-direction: column; gap: .5rem; }
    .msg { max-width: 85%; padding: .45rem .7rem; border-radius: .6rem; white-space: pre-wrap;
           overflow-wrap: anywhere; }
    .bot, .agent, .system { align-self: flex-start; background: #eef1f5; }
    .agent { background: #e6f0e6; }
    .system { background: none; font-style: italic; padding: 0; }
    .citizen { align-self: flex-end; background: #1d4f91; color: #fff; }
    .msg p { margin: 0 0 .3rem; } .msg p:last-child { margin: 0; }
    .msg ul { margin: .2rem 0 .3rem 1.2rem; padding: 0; white-space: normal; }
    .links { display: flex; flex-direction: column; gap: .2rem; margin-top: .3rem; }
    a { color: #1d4f91; text-decoration: underline; }
    .choices, .feedback { display: flex; flex-wrap: wrap; gap: .4rem; padding: 0 .8rem .5rem; }
    .feedback span { width: 100%; font-size: .9rem; }
    .queue { margin: 0; padding: .4rem .8rem; font-size: .9rem; background: #eef1f5;
             border-top: 1px solid #d0d0d0; }
    .queue:empty { display: none; }
    .choice { background: #fff; color: #1d4f91; border: 2px solid #1d4f91; border-radius: 1rem;
              padding: .3rem .8rem; cursor: pointer; }
    form { display: flex; gap: .4rem; padding: .6rem .8rem; border-top: 1px solid #d0d0d0; }
    label { position: absolute; width: 1px; height: 1px; overflow: hidden;
            clip: rect(0 0 0 0); white-space: nowrap; }
    input { flex: 1; min-width: 0; padding: .45rem .6rem; border: 2px solid #6b6b6b;
            border-radius: .3rem; color: #1a1a1a; background: #fff; }
    .send { background: #1d4f91; color: #fff; border: 2px solid #1d4f91; border-radius: .3rem;
            padding: .4rem .9rem; cursor: pointer; }
    input:disabled { background: #ececec; border-color: #b0b0b0; color: #6b6b6b; }
    .send:disabled { background: #b0b0b0; border-color: #b0b0b0; color: #1a1a1a;
                     cursor: not-allowed; }
    .ended { align-self: stretch; margin: .2rem 0; padding: .5rem .7rem; border-radius: .4rem;
             background: #fff4e0; border: 1px solid #b35900; }
    button:focus-visible, input:focus-visible, a:focus-visible {
      outline: 3px solid #b35900; outline-offset: 2px; }
    @media (prefers-reduced-motion: reduce) { * { transition: none !important;
                                               animation: none !important; } }
  `;

  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  function saved() {
    try { return JSON.parse(sessionStorage.getItem(STORE)) || {}; } catch (e) { return {}; }
  }
  function save(state) {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode */ }
  }

  async function start(t) {
    const host = el("div", {lang: "da", "data-voicebot-chat": ""});
    if (inline) script.insertAdjacentElement("afterend", host); else document.body.append(host);
    const root = host.attachShadow({mode: "open"});
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];

    const launcher = el("button", {class: `launcher${side}`, type: "button", "aria-expanded": "false",
                                   "aria-controls": "voicebot-panel"}, t.launcher);
    const panel = el("section", {class: `panel ${inline ? "inline" : `floating${side}`}`,
                                 id: "voicebot-panel", "aria-labelledby": "voicebot-title"});
    const header = el("header");
    header.append(el("h2", {id: "voicebot-title"}, t.title));
    const close = el("button", {class: "close", type: "button"}, t.close);
    if (!inline) header.append(close);
    const notice = el("p", {class: "notice"}, t.notice);
    const log = el("div", {class: "log", role: "log", "aria-live": "polite",
                           "aria-label": t.title, tabindex: "0"});
    const feedback = el("div", {class: "feedback", role: "group", "aria-label": t.feedback});
    const queued = el("p", {class: "queue", role: "status"});
    const choices = el("div", {class: "choices", role: "group", "aria-label": "Svarmuligheder"});
    const form = el("form");
    const label = el("label", {for: "voicebot-input"}, t.input);
    const input = el("input", {id: "voicebot-input", type: "text", maxlength: "500",
                               autocomplete: "off", name: "text"});
    const send = el("button", {class: "send", type: "submit"}, t.send);
    form.append(label, input, send);
    // The buttons that answer the last message come right under it; the optional feedback
    // question, with its own words, after them.
    panel.append(header, notice, log, choices, feedback, queued, form);
    if (!inline) { panel.hidden = true; root.append(launcher); }
    root.append(panel);

    let state = saved();
    let polling = null;

    function show(message) {
      const box = el("div", {class: `msg ${message.from}`});
      let list = null;
      for (const line of message.text.split("\n")) {
        if (line.startsWith("- ")) {
          if (!list) { list = el("ul"); box.append(list); }
          list.append(el("li", {}, line.slice(2)));
        } else {
          list = null;
          box.append(el("p", {}, line));
        }
      }
      if (message.links && message.links.length) {
        const links = el("div", {class: "links"});
        for (const link of message.links) {
          if (!/^https:\/\//.test(link.url)) continue;
          links.append(el("a", {href: link.url, target: "_blank", rel: "noopener noreferrer"},
                          link.title));
        }
        box.append(links);
      }
      log.append(box);
      box.scrollIntoView({block: "end"});
    }

    function offer(reply) {
      choices.replaceChildren();
      for (const choice of reply.choices || []) {
        const button = el("button", {class: "choice", type: "button"}, choice.label);
        button.addEventListener("click", () => say({choice: choice.value}, choice.label));
        choices.append(button);
      }
      feedback.replaceChildren();
      if (reply.feedback) {
        feedback.append(el("span", {}, reply.feedback.question));
        for (const choice of reply.feedback.choices) {
          const button = el("button", {class: "choice", type: "button"}, choice.label);
          button.addEventListener("click", () => {
            feedback.replaceChildren();
            say({choice: choice.value}, null);
            input.focus();
          });
          feedback.append(button);
        }
      }
      input.disabled = !!reply.ended;
      send.disabled = !!reply.ended;
      if (reply.ended) finished();
    }

    function finished() {
      if (!log.querySelector(".ended")) {
        const note = el("div", {class: "msg system ended"});
        note.append(el("p", {}, t.ended));
        log.append(note);
        note.scrollIntoView({block: "end"});
      }
      const again = el("button", {class: "choice", type: "button"}, t.restart);
      again.addEventListener("click", restart);
      choices.replaceChildren(again);
      feedback.replaceChildren();
    }

    function restart() {
      state = {};
      save(state);
      log.replaceChildren();
      choices.replaceChildren();
      input.disabled = send.disabled = false;
      say({text: ""}, null);
      input.focus();
    }

    function place(reply) {
      // While waiting for a person: the place in the queue, kept up to date by the polls.
      if (queued.textContent !== (reply.queue || "")) queued.textContent = reply.queue || "";
    }

    function take(reply) {
      state = {session: reply.session, seq: reply.seq, status: reply.status, ended: !!reply.ended};
      save(state);
      for (const message of reply.messages) show(message);
      offer(reply);
      place(reply);
      log.scrollTop = log.scrollHeight;  // the buttons below took room: keep the last line seen
      const waiting = ["waiting", "agent", "callback"].includes(reply.status);
      if (waiting && !polling) polling = setInterval(poll, 2000);
      if (!waiting && polling) { clearInterval(polling); polling = null; }
    }

    async function say(body, echo) {
      if (echo) show({from: "citizen", text: echo});
      if (state.session && !state.ended) body.session = state.session;
      try {
        const r = await fetch(`${base}/api/messages`, {
          method: "POST", headers: {"Content-Type": "application/json"},
          body: JSON.stringify(body), credentials: "omit"});
        const reply = await r.json();
        if (!r.ok) { show({from: "system", text: reply.error || t.error}); return; }
        take(reply);
      } catch (e) {
        show({from: "system", text: t.error});
      }
    }

    async function poll() {
      if (!state.session) return;
      try {
        const q = new URLSearchParams({session: state.session, after: state.seq || 0});
        const r = await fetch(`${base}/api/messages?${q}`, {credentials: "omit"});
        if (r.ok) take(await r.json());
      } catch (e) { /* the next poll tries again */ }
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      say({text}, text);
    });

    let begun = false;
    function begin() {
      if (begun) return;
      begun = true;
      // An ended chat is not shown again: a reload or another page of the site starts afresh.
      if (state.session && !state.ended) { state.seq = 0; poll(); } else say({text: ""}, null);
    }

    function open() {
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      begin();
      input.focus();
    }
    function shut() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }
    launcher.addEventListener("click", () => (panel.hidden ? open() : shut()));
    close.addEventListener("click", shut);
    panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !inline) { event.preventDefault(); shut(); }
    });
    if (inline) begin();
  }

  fetch(`${base}/texts.json`, {credentials: "omit"})
    .then((r) => r.json())
    .then(start)
    .catch(() => console.info("voicebot: the chat is not offered on this page"));
})();
