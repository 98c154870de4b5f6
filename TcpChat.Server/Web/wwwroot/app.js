// The TcpChat web client: plain JavaScript, no build step, no library. It speaks the TcpChat protocol
// (docs/PROTOCOL.md) over the server's WebSocket, one frame per message, like any TCP client.
// Everything that came from the network is shown with textContent, never as HTML, inside <bdi> so that a
// right-to-left nick or a U+202E cannot turn the line around.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const encoder = new TextEncoder();
  const bytes = (text) => encoder.encode(text).length;
  const keyOf = (name) => name.normalize('NFC').toLowerCase();
  const isRoom = (name) => name.startsWith('#');
  const store = window.localStorage;

  // Server frames with a text (server to client, docs/PROTOCOL.md): the text is what follows the control line.
  // One message holds one frame, so the text is the rest of the message less its final LF.
  function parse(message) {
    const lf = message.indexOf('\n');
    const line = (lf < 0 ? message : message.slice(0, lf)).replace(/\r$/, '');
    const words = line.split(' ').filter((w) => w.length > 0);
    const verb = (words.shift() || '').toUpperCase();
    let text = null;
    if (lf >= 0 && lf < message.length - 1) {
      text = message.slice(lf + 1).replace(/\r?\n$/, '');
      words.pop(); // the text's length, in bytes
    }
    return { verb, args: words, text };
  }

  // ---- state ----
  const state = {
    socket: null,
    nick: store.getItem('tcpchat.nick') || '',
    registered: false,
    quitting: false,
    retries: 0,
    retryTimer: null,
    nickTries: 0,
    tabs: new Map(),      // key -> tab
    order: [],            // keys, in tab order
    active: null,
    pendingHistory: null, // {tab, count, older, batch} while a HISTORY answer's MSG frames arrive
    olderAsked: new Set(),// tab keys whose "older messages" page was asked for
  };

  function savedRooms() {
    try { return JSON.parse(store.getItem('tcpchat.rooms') || '[]'); } catch { return []; }
  }
  function savedQueries() {
    try { return JSON.parse(store.getItem('tcpchat.queries') || '[]'); } catch { return []; }
  }
  function save() {
    store.setItem('tcpchat.nick', state.nick);
    const rooms = state.order.map((k) => state.tabs.get(k)).filter((t) => t.room && t.joined).map((t) => t.name);
    const queries = state.order.map((k) => state.tabs.get(k)).filter((t) => !t.room && !t.server).map((t) => t.name);
    store.setItem('tcpchat.rooms', JSON.stringify(rooms));
    store.setItem('tcpchat.queries', JSON.stringify(queries));
  }

  function tab(name, create = true) {
    const key = name === '' ? '' : keyOf(name);
    let t = state.tabs.get(key);
    if (!t && create) {
      t = {
        key, name, room: isRoom(name), server: key === '', joined: false,
        lines: [], users: [], unread: 0, mention: false,
        firstId: null, lastId: 0, historyDone: false,
        synced: false, // this connection's first HISTORY answer for it came: older pages may be asked for
      };
      state.tabs.set(key, t);
      state.order.push(key);
      if (state.active === null) state.active = key;
      renderTabs();
    }
    return t;
  }

  // ---- the connection ----
  function url() {
    return (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
  }

  function connect() {
    clearTimeout(state.retryTimer);
    state.registered = false;
    state.pendingHistory = null;
    state.byeSeen = false;
    setStatus('connecting…', false);
    const socket = new WebSocket(url(), 'tcpchat.v1');
    state.socket = socket;
    socket.onmessage = (event) => { if (socket === state.socket) receive(parse(event.data)); };
    socket.onclose = (event) => { if (socket === state.socket) closed(event); };
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(frame);
      return true;
    }
    notice(current(), 'not connected: try again in a moment', 'error');
    return false;
  }

  // A text goes inline when it has no line break, else with its length in bytes (the length form).
  function withText(line, text) {
    return text.includes('\n') || text.includes('\r') ? `${line} ${bytes(text)}\n${text}\n` : `${line} :${text}`;
  }

  function closed(event) {
    state.socket = null;
    state.registered = false;
    for (const t of state.tabs.values()) t.users = [];
    renderUsers();
    const why = event.reason ? `: ${event.reason}` : '';
    const wasUp = !state.retries && !$('chat').hidden;
    if (state.quitting) {
      setStatus('disconnected' + why, true);
      return;
    }
    // Exponential backoff with jitter, 1 s doubling to 30 s, as the terminal client does.
    const delay = Math.min(30000, 1000 * 2 ** Math.min(state.retries, 5)) * (0.8 + Math.random() * 0.4);
    state.retries++;
    setStatus(`disconnected${why}; reconnecting in ${Math.round(delay / 1000)} s`, true);
    if (wasUp && !state.byeSeen) notice(current(), `disconnected${why}`, 'error');
    state.retryTimer = setTimeout(connect, delay);
  }

  // ---- frames from the server ----
  function receive(f) {
    const a = f.args;
    if (f.verb !== 'BYE') state.lastError = f.verb === 'ERR' ? f.text : null;
    switch (f.verb) {
      case 'HELLO':
        $('server').textContent = a[1] || location.host;
        send(`NICK ${state.nick}`);
        break;
      case 'NICK':
        if (a[0] === '*') registered(a[1]);
        else renamed(a[0], a[1]);
        break;
      case 'JOIN': joined(a[0], a[1]); break;
      case 'PART': parted(a[0], a[1], f.text); break;
      case 'QUIT': quit(a[0], f.text); break;
      case 'NAMES': {
        const t = tab(a[0], false);
        if (t) { t.users = (f.text || '').split(' ').filter((n) => n); if (t.key === state.active) renderUsers(); }
        if (!t) notice(current(), `${a[0]}: ${f.text || 'nobody'}`);
        break;
      }
      case 'HISTORY': history(a[0], Number(a[1])); break;
      case 'MSG': message(a[0], a[1], Number(a[2]), a[3], f.text || ''); break;
      case 'PING': send(a.length ? `PONG ${a[0]}` : 'PONG'); break;
      case 'PONG': break;
      case 'ERR': error(a[0], a[1], f.text || ''); break;
      case 'BYE':
        // The ERR just before says the same, with its code.
        if (state.lastError !== f.text) notice(current(), `server: ${f.text || ''}`);
        state.byeSeen = true;
        break;
      case 'REGISTER': notice(current(), `${a[0]} is registered`); break;
      default: break;
    }
  }

  function registered(nick) {
    state.registered = true;
    state.autoNick = true; // from now on a refused nick (a reconnect) is retried, then changed, not asked again
    state.retries = 0;
    state.nickTries = 0;
    state.nick = nick;
    $('me').textContent = nick;
    $('login').hidden = true;
    $('chat').hidden = false;
    setStatus('connected', false);
    // Back after a drop or a reload: rejoin the rooms (each JOIN brings the messages said meanwhile), and read the
    // private conversations' history again.
    const rooms = new Set(savedRooms().map(keyOf));
    for (const t of state.tabs.values()) if (t.room && t.joined) rooms.add(t.key);
    state.olderAsked.clear();
    for (const t of state.tabs.values()) { t.joined = false; t.synced = false; }
    for (const room of rooms) {
      const known = state.tabs.get(room);
      send(`JOIN ${known ? known.name : savedRooms().find((r) => keyOf(r) === room)}`);
    }
    for (const name of savedQueries()) { tab(name); }
    for (const t of state.tabs.values()) if (!t.room && !t.server) send(`HISTORY ${t.name}`);
    save();
    renderAll();
  }

  function renamed(from, to) {
    const mine = keyOf(from) === keyOf(state.nick);
    if (mine) { state.nick = to; $('me').textContent = to; save(); }
    for (const t of state.tabs.values()) {
      const i = t.users.findIndex((u) => keyOf(u) === keyOf(from));
      if (i >= 0 || (mine && t.joined)) {
        if (i >= 0) t.users[i] = to;
        notice(t, `${from} is now known as ${to}`);
      }
    }
    const query = state.tabs.get(keyOf(from));
    if (query && !query.room && !query.server) notice(query, `${from} is now known as ${to}`);
    renderUsers();
  }

  function joined(room, nick) {
    const mine = keyOf(nick) === keyOf(state.nick);
    const t = tab(room);
    if (mine) {
      t.name = room;
      t.joined = true;
      // The room asked for with /join, or the first room at all, is shown.
      if ((state.wantRoom && keyOf(state.wantRoom) === t.key) || state.active === '') { state.wantRoom = null; select(t.key); }
      save();
    } else if (!t.users.some((u) => keyOf(u) === keyOf(nick))) {
      t.users.push(nick);
    }
    notice(t, `${nick} joined ${room}`);
    if (t.key === state.active) renderUsers();
  }

  function parted(room, nick, text) {
    const t = tab(room, false);
    if (!t) return;
    const why = text ? ` (${text})` : '';
    if (keyOf(nick) === keyOf(state.nick)) {
      close(t.key);
      return;
    }
    t.users = t.users.filter((u) => keyOf(u) !== keyOf(nick));
    notice(t, `${nick} left ${room}${why}`);
    if (t.key === state.active) renderUsers();
  }

  function quit(nick, text) {
    for (const t of state.tabs.values()) {
      if (t.users.some((u) => keyOf(u) === keyOf(nick)) || t.key === keyOf(nick)) {
        t.users = t.users.filter((u) => keyOf(u) !== keyOf(nick));
        notice(t, `${nick} quit (${text || 'quit'})`);
      }
    }
    renderUsers();
  }

  // HISTORY <target> <count>: the next count MSG frames are past messages, oldest first.
  function history(target, count) {
    const t = tab(target);
    // Only a synced tab asks for older pages, after its first answer: so an answer is to that request while it waits.
    const older = state.olderAsked.delete(t.key);
    if (count === 0) {
      if (older || t.firstId === null) t.historyDone = true;
      t.synced = true;
      if (t.key === state.active) renderMessages();
      return;
    }
    state.pendingHistory = { tab: t, count, older, batch: [] };
  }

  function message(target, sender, id, time, text) {
    const mine = keyOf(sender) === keyOf(state.nick);
    // A private message is filed under the other person: the recipient's name when I sent it.
    const name = isRoom(target) ? target : (mine ? target : sender);
    const opened = !state.tabs.has(keyOf(name));
    const t = tab(name);
    const line = { kind: 'msg', id, time, nick: sender, text, mention: !mine && mentions(text, t) };
    const page = state.pendingHistory;
    if (page && page.tab === t) {
      page.batch.push(line);
      if (page.batch.length === page.count) {
        state.pendingHistory = null;
        if (page.older) prepend(t, page.batch);
        else merge(t, page.batch);
        t.synced = true;
        if (t.key === state.active) loadOlder();
      }
      return;
    }
    append(t, line, false);
    // A conversation that opens with this message: its earlier messages come too.
    if (opened && !t.room) { save(); send(`HISTORY ${name}`); }
  }

  function mentions(text, t) {
    if (!t.room) return true; // a private message always counts
    const me = state.nick.toLowerCase();
    return me.length > 0 && text.toLowerCase().includes(me);
  }

  // Messages have ids in order per room (and per conversation): one already shown is not shown twice, so the history
  // a rejoin brings adds only what was said meanwhile.
  function append(t, line, fromHistory) {
    if (line.kind === 'msg') {
      if (line.id <= t.lastId) return;
      t.lastId = line.id;
      if (t.firstId === null) t.firstId = line.id;
      if (!fromHistory && t.key !== state.active) {
        t.unread++;
        if (line.mention) t.mention = true;
        renderTabs();
      }
    }
    t.lines.push(line);
    if (t.key === state.active) addLine(line, true);
  }

  // A HISTORY answer that is not an older page (a join, a conversation opened): what is older than the tab's first
  // message goes before it, what is newer than its last after it, the rest is shown already.
  function merge(t, batch) {
    const older = t.firstId === null ? [] : batch.filter((l) => l.id < t.firstId);
    if (older.length > 0) {
      t.firstId = older[0].id;
      t.lines.unshift(...older);
      if (t.key === state.active) renderMessages();
    }
    for (const l of batch) append(t, l, true);
  }

  function prepend(t, lines) {
    const older = lines.filter((l) => t.firstId === null || l.id < t.firstId);
    if (older.length === 0) { t.historyDone = true; return; }
    t.firstId = older[0].id;
    t.lines.unshift(...older);
    if (t.key === state.active) {
      const pane = $('messages');
      const fromBottom = pane.scrollHeight - pane.scrollTop;
      renderMessages();
      pane.scrollTop = pane.scrollHeight - fromBottom; // the view stays on what the reader was looking at
    }
  }

  function notice(t, text, kind = 'notice') {
    append(t, { kind, time: new Date().toISOString(), text });
  }

  function error(code, verb, text) {
    if (!state.registered && verb === 'NICK') {
      // Just reloaded: the old page's session may not have ended yet. Try the same nick again, then another.
      if (code === 'NICK_IN_USE' && state.nickTries < 3 && state.autoNick) {
        state.nickTries++;
        setTimeout(() => send(`NICK ${state.nick}`), 700);
        return;
      }
      if (code === 'NICK_IN_USE' && state.autoNick) {
        state.nick = state.nick.slice(0, 31) + '_';
        send(`NICK ${state.nick}`);
        return;
      }
      $('login-error').textContent = text;
      $('login').hidden = false;
      $('chat').hidden = true;
      state.quitting = true;
      state.socket.close();
      return;
    }
    notice(current(), `${code}: ${text}`, 'error');
  }

  // ---- what the user types ----
  const help = [
    '/join #room   join a room (created if needed)',
    '/part [#room] [reason]   leave this room, or the one named',
    '/msg nick text   a private message, in its own tab',
    '/query nick   open a private tab',
    '/me text   an action',
    '/nick newnick   change your nick',
    '/names [#room]   who is in a room',
    '/close   close this private tab',
    '/quit [reason]   leave the server',
    'Enter sends; Shift+Enter starts a new line. //text sends a text that starts with /.',
  ];

  function submit(text) {
    if (text.trim() === '') return;
    const t = current();
    if (text.startsWith('/') && !text.startsWith('//')) {
      command(text, t);
      return;
    }
    if (text.startsWith('//')) text = text.slice(1);
    if (t.server) { notice(t, 'this is the server tab: /join a room, or /msg someone', 'error'); return; }
    send(withText(`SEND ${t.name}`, text));
  }

  function command(text, t) {
    const space = text.indexOf(' ');
    const name = (space < 0 ? text : text.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : text.slice(space + 1).trim();
    const first = rest.split(' ')[0] || '';
    const after = rest.slice(first.length).trim();
    switch (name) {
      case '/join':
        if (!first) return notice(t, 'usage: /join #room', 'error');
        for (const room of rest.split(/\s+/)) {
          const r = isRoom(room) ? room : '#' + room;
          state.wantRoom = state.wantRoom || r;
          if (state.tabs.get(keyOf(r))?.joined) { select(keyOf(r)); state.wantRoom = null; }
          send(`JOIN ${r}`);
        }
        return;
      case '/part': {
        const room = isRoom(first) ? first : t.name;
        const reason = isRoom(first) ? after : rest;
        if (!isRoom(room)) return notice(t, 'usage: /part [#room] [reason]', 'error');
        send(reason ? withText(`PART ${room}`, reason) : `PART ${room}`);
        return;
      }
      case '/msg':
        if (!first || !after) return notice(t, 'usage: /msg nick text', 'error');
        select(tab(first).key);
        send(withText(`SEND ${first}`, after));
        save();
        return;
      case '/query':
        if (!first) return notice(t, 'usage: /query nick', 'error');
        select(tab(first).key);
        save();
        send(`HISTORY ${first}`);
        return;
      case '/me':
        if (t.server) return notice(t, 'this is the server tab', 'error');
        send(withText(`SEND ${t.name}`, `/me ${rest}`));
        return;
      case '/nick':
        if (!first) return notice(t, 'usage: /nick newnick', 'error');
        send(`NICK ${first}`);
        return;
      case '/names': {
        const room = first || t.name;
        if (!isRoom(room)) return notice(t, 'usage: /names #room', 'error');
        send(`NAMES ${room}`);
        return;
      }
      case '/close':
        if (t.room || t.server) return notice(t, 'only a private tab closes; /part leaves a room', 'error');
        close(t.key);
        return;
      case '/quit':
        state.quitting = true;
        send(rest ? withText('QUIT', rest) : 'QUIT');
        return;
      case '/help':
        for (const line of help) notice(t, line);
        return;
      default:
        notice(t, `unknown command ${name}: /help lists them`, 'error');
    }
  }

  function close(key) {
    if (key === '') return;
    state.tabs.delete(key);
    state.order = state.order.filter((k) => k !== key);
    if (state.active === key) state.active = state.order[Math.max(0, state.order.length - 1)] ?? '';
    save();
    renderAll();
  }

  // ---- drawing: createElement and textContent only ----
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function bdi(cls, text) {
    return el('bdi', cls, text);
  }

  function clock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  }

  function lineElement(l) {
    const div = el('div', `line ${l.kind}${l.mention ? ' mention' : ''}`);
    const time = el('time', null, clock(l.time));
    time.dateTime = l.time;
    div.append(time);
    if (l.kind === 'msg') {
      if (l.text.startsWith('/me ')) {
        div.classList.add('action');
        div.append('* ', bdi('nick', l.nick), ' ', bdi('text', l.text.slice(4)));
      } else {
        div.append(bdi('nick', l.nick), ': ', bdi('text', l.text));
      }
      div.dataset.id = String(l.id);
    } else {
      div.append(bdi('text', l.text));
    }
    return div;
  }

  function addLine(l, follow) {
    const pane = $('messages');
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
    pane.append(lineElement(l));
    if (follow && atBottom) pane.scrollTop = pane.scrollHeight;
  }

  function renderMessages() {
    const t = current();
    const pane = $('messages');
    pane.replaceChildren();
    if (t.room || (!t.server && t.lines.length)) {
      pane.append(el('div', 'more', t.historyDone ? 'the beginning of the history' : 'scroll up for older messages'));
    }
    for (const l of t.lines) pane.append(lineElement(l));
    pane.scrollTop = pane.scrollHeight;
  }

  function renderUsers() {
    const t = current();
    const list = $('users');
    list.replaceChildren();
    if (!t || !t.room) return;
    list.append(el('h2', null, `${t.users.length} ${t.users.length === 1 ? 'user' : 'users'}`));
    for (const nick of [...t.users].sort((x, y) => x.localeCompare(y))) {
      const u = el('bdi', 'user', nick);
      u.title = `private message to ${nick}`;
      u.addEventListener('click', () => { select(tab(nick).key); save(); send(`HISTORY ${nick}`); });
      list.append(u);
    }
  }

  function renderTabs() {
    const nav = $('tabs');
    nav.replaceChildren();
    for (const key of state.order) {
      const t = state.tabs.get(key);
      const b = el('button', 'tab' + (key === state.active ? ' active' : ''));
      b.type = 'button';
      b.setAttribute('role', 'tab');
      b.append(bdi(null, t.server ? 'server' : t.name));
      if (t.unread > 0) b.append(el('span', 'unread' + (t.mention ? ' mention' : ''), t.mention ? `(!${t.unread})` : `(${t.unread})`));
      b.addEventListener('click', () => select(key));
      nav.append(b);
    }
  }

  function renderAll() {
    renderTabs();
    renderMessages();
    renderUsers();
    loadOlder();
  }

  function select(key) {
    if (!state.tabs.has(key)) return;
    state.active = key;
    const t = state.tabs.get(key);
    t.unread = 0;
    t.mention = false;
    renderAll();
    $('input').focus();
  }

  function current() {
    return state.tabs.get(state.active) || tab('');
  }

  function setStatus(text, down) {
    const s = $('status');
    s.textContent = text;
    s.classList.toggle('down', down);
  }

  // Scrolled to the top, or too few messages to scroll at all: ask for the page before the oldest message shown.
  function loadOlder() {
    const t = current();
    const pane = $('messages');
    if (pane.scrollTop > 0 && pane.scrollHeight > pane.clientHeight) return;
    if (t.server || !t.synced || t.historyDone || t.firstId === null || state.olderAsked.has(t.key)) return;
    if (!state.registered) return;
    state.olderAsked.add(t.key);
    send(`HISTORY ${t.name} before=${t.firstId}`);
  }

  // ---- start ----
  function start(nick, rooms) {
    state.nick = nick;
    state.quitting = false;
    store.setItem('tcpchat.nick', nick);
    if (rooms.length) {
      const all = new Set([...savedRooms(), ...rooms]);
      store.setItem('tcpchat.rooms', JSON.stringify([...all]));
    }
    tab('');
    connect();
  }

  window.addEventListener('DOMContentLoaded', () => {
    $('login').addEventListener('submit', (e) => {
      e.preventDefault();
      $('login-error').textContent = '';
      state.autoNick = false;
      const rooms = $('rooms').value.split(/[\s,]+/).filter((r) => r).map((r) => (isRoom(r) ? r : '#' + r));
      start($('nick').value.trim(), rooms);
    });
    $('send').addEventListener('submit', (e) => {
      e.preventDefault();
      const input = $('input');
      submit(input.value);
      input.value = '';
    });
    $('input').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        $('send').requestSubmit();
      }
    });
    $('messages').addEventListener('scroll', loadOlder);
    $('toggle-users').addEventListener('click', () => {
      const users = $('users');
      if (window.matchMedia('(max-width: 640px)').matches) users.classList.toggle('shown');
      else users.classList.toggle('hidden');
    });
    // A nick chosen before (this browser): back in at once, with its rooms and conversations.
    if (state.nick) {
      $('nick').value = state.nick;
      state.autoNick = true;
      start(state.nick, []);
    }
  });
})();
