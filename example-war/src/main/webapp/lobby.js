// The lobby page: one EventSource per joined user, plain fetch for the rest. No build step, no libraries.
'use strict';

(() => {
  const NAME = /^[A-Za-z0-9._-]{1,32}$/;
  const REASONS = {
    leave: '',
    closed: ' (connection closed)',
    expired: ' (timed out)',
    replaced: ' (joined again elsewhere)',
    size: ' (lobby full)',
    shutdown: ' (server stopping)',
  };
  // Why the server ended this page's stream for good (the data of sfere-close).
  const CLOSE_CAUSES = {
    explicit: 'You left the lobby.',
    replaced: 'You opened the lobby in another tab, so this one was closed.',
    size: 'The lobby was full, so this connection was closed. Join again to come back.',
  };

  const $ = (id) => document.getElementById(id);
  const joinView = $('join-view');
  const lobbyView = $('lobby-view');
  const statusLine = $('status');
  const participantList = $('participants');
  const log = $('log');
  const toSelect = $('to');
  const textInput = $('text');
  const sendError = $('send-error');

  let me = null;
  let source = null;
  let people = [];

  const api = (path) => 'api/lobby/' + path;

  function setStatus(text, online) {
    statusLine.textContent = text;
    statusLine.classList.toggle('online', online);
  }

  function addEntry(kind, parts) {
    const item = document.createElement('li');
    item.className = kind;
    const time = document.createElement('time');
    time.textContent = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    item.append(time);
    for (const [cls, text] of parts) {
      const span = document.createElement('span');
      if (cls) {
        span.className = cls;
      }
      span.textContent = text;
      // A space between the parts, so the entry reads (and copies) as "bob left", not "bobleft".
      item.append(' ', span);
    }
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.append(item);
    if (atBottom) {
      log.scrollTop = log.scrollHeight;
    }
    return item;
  }

  function renderPeople() {
    const chosen = toSelect.value;
    participantList.replaceChildren();
    toSelect.replaceChildren(new Option('Everyone', ''));
    for (const name of people) {
      const item = document.createElement('li');
      item.textContent = name;
      item.dataset.user = name;
      if (name === me) {
        item.className = 'me';
      } else {
        item.title = 'Message ' + name + ' only';
        item.addEventListener('click', () => choose(name));
        toSelect.append(new Option(name, name));
      }
      participantList.append(item);
    }
    toSelect.value = people.includes(chosen) && chosen !== me ? chosen : '';
    markChosen();
    $('count').textContent = String(people.length);
  }

  function choose(name) {
    toSelect.value = toSelect.value === name ? '' : name;
    markChosen();
    textInput.focus();
  }

  function markChosen() {
    for (const item of participantList.children) {
      item.classList.toggle('selected', item.dataset.user === toSelect.value);
    }
    textInput.placeholder = toSelect.value ? 'Message ' + toSelect.value + ' only' : 'Say something to everyone';
  }

  function setPeople(names) {
    people = [...new Set(names)].sort();
    renderPeople();
  }

  function showJoin(note) {
    lobbyView.hidden = true;
    joinView.hidden = false;
    $('join-note').textContent = note || '';
    $('join-note').hidden = !note;
    setStatus('Not connected', false);
    $('name').focus();
  }

  function disconnect() {
    if (source) {
      source.close();
      source = null;
    }
  }

  function join(name) {
    disconnect();
    me = name;
    people = [];
    log.replaceChildren();
    renderPeople();
    joinView.hidden = true;
    lobbyView.hidden = false;
    setStatus('Connecting as ' + name + '\u2026', false);

    const events = new EventSource(api(encodeURIComponent(name) + '/events'));
    source = events;
    events.onopen = () => setStatus('Connected as ' + name, true);
    events.onerror = () => {
      if (source !== events) {
        return;
      }
      if (events.readyState === EventSource.CONNECTING) {
        // A blip: the browser reconnects by itself with the last event id, and the server replays what was missed.
        setStatus('Reconnecting as ' + name + '\u2026', false);
        return;
      }
      // Closed for good: the server answered a reconnect with 204 (this stream was ended on purpose) or refused it.
      disconnect();
      showJoin('The connection to the lobby was closed. Join again to come back.');
    };
    events.addEventListener('sfere-close', (e) => {
      // The last event of a stream the server ended on purpose: say why, and stay closed.
      const { cause } = JSON.parse(e.data);
      disconnect();
      showJoin(CLOSE_CAUSES[cause] ?? 'The server closed the connection (' + cause + '). Join again to come back.');
    });
    events.addEventListener('sfere-reset', () => {
      // What was missed while away could not be replayed: the participants follow, and the log says so.
      addEntry('notice', [['', 'You were away too long to catch up: some messages may be missing above.']]);
    });
    events.addEventListener('participants', (e) => setPeople(JSON.parse(e.data)));
    events.addEventListener('joined', (e) => {
      const { user } = JSON.parse(e.data);
      setPeople([...people, user]);
      if (user !== me) {
        addEntry('joined', [['who', user], ['', 'joined']]);
      }
    });
    events.addEventListener('left', (e) => {
      const { user, reason } = JSON.parse(e.data);
      setPeople(people.filter((p) => p !== user));
      addEntry('left', [['who', user], ['', 'left' + (REASONS[reason] ?? ' (' + reason + ')')]]).dataset.user = user;
    });
    events.addEventListener('message', (e) => {
      const { user, text, to } = JSON.parse(e.data);
      const parts = to ? [['tag', 'direct'], ['who', user + ' \u2192 you:'], ['text', text]]
        : [['who', user + ':'], ['text', text]];
      addEntry(to ? 'direct' : 'message', parts).dataset.user = user;
    });
    textInput.focus();
  }

  async function send(text, to) {
    const body = to ? { text, to } : { text };
    const response = await fetch(api(encodeURIComponent(me) + '/messages'), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 204) {
      let message = 'HTTP ' + response.status;
      try {
        message = (await response.json()).error || message;
      } catch (ignored) {
        // Not JSON: keep the status.
      }
      throw new Error(message);
    }
  }

  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const name = $('name').value.trim();
    if (!NAME.test(name)) {
      showJoin('A name is 1 to 32 letters, digits, "-", "_" or ".".');
      return;
    }
    join(name);
  });

  $('send-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = textInput.value;
    const to = toSelect.value;
    if (!text.trim()) {
      return;
    }
    sendError.hidden = true;
    try {
      await send(text, to);
      textInput.value = '';
      if (to) {
        // The text itself goes to the recipient's page only.
        addEntry('notice', [['', 'Direct message sent to ' + to + '.']]);
      }
    } catch (error) {
      sendError.textContent = 'Not sent: ' + error.message;
      sendError.hidden = false;
    }
    textInput.focus();
  });

  toSelect.addEventListener('change', markChosen);

  $('leave').addEventListener('click', async () => {
    const name = me;
    disconnect();
    try {
      await fetch(api(encodeURIComponent(name) + '/leave'), { method: 'POST' });
    } finally {
      showJoin('You left the lobby.');
    }
  });

  showJoin();
})();
