// The saga console's page: polls the JSON API every second and redraws what changed; no framework, no build.
// A part is redrawn only when its data changed, so keyboard focus and opened details survive the polling.
/* global mermaid */
const $ = (selector) => document.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const { dataset, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((child) => child !== undefined && child !== null && child !== false));
  return node;
};
const getJson = async (path, init) => {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${path}: ${response.status}`);
  return body;
};
const postJson = (path, body = {}) =>
  getJson(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const money = (cents, currency) =>
  cents === undefined ? '' : `${(cents / 100).toFixed(2)} ${currency ?? ''}`;
const ms = (value) => (value === undefined ? '–' : `${Math.round(value)} ms`);
const say = (selector, text) => {
  $(selector).textContent = text;
};

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });

const state = { sagas: [], selected: undefined, seen: {}, diagrams: 0 };

/** Runs `draw(data)` only when `data` differs from the last drawn for `key`. */
const changed = (key, data, draw) => {
  const text = JSON.stringify(data);
  if (state.seen[key] === text) return;
  state.seen[key] = text;
  draw(data);
};

const pairs = (selector, entries) =>
  $(selector).replaceChildren(
    ...entries.map(([name, value]) =>
      el('div', {}, el('dt', { textContent: name }), el('dd', { textContent: String(value) })),
    ),
  );

const renderCounts = (counts) => {
  pairs('#counts', [
    ['Sagas', counts.total],
    ['In flight', counts.inFlight],
    ['Confirmed', counts.confirmed],
    ...Object.entries(counts.cancelled).map(([reason, n]) => [`Cancelled ${reason}`, n]),
    ['Inconsistent', counts.inconsistent],
  ]);
  const reasons = $('#filter-reason');
  for (const reason of Object.keys(counts.cancelled)) {
    if (![...reasons.options].some((option) => option.value === reason))
      reasons.append(el('option', { textContent: reason }));
  }
};

const matches = (saga) => {
  const search = $('#search').value.trim().toLowerCase();
  const status = $('#filter-status').value;
  const reason = $('#filter-reason').value;
  const verdict = $('#filter-verdict').value;
  return (
    (!search || saga.orderId.toLowerCase().includes(search)) &&
    (!status || saga.status === status) &&
    (!reason || saga.reason === reason) &&
    (!verdict || saga.verdict === verdict)
  );
};

const sagaRow = (saga) => {
  const open = el('button', { type: 'button', textContent: saga.orderId, title: 'Show this saga' });
  open.addEventListener('click', () => selectSaga(saga.orderId));
  const audit = saga.verdict === 'INCONSISTENT' ? `INCONSISTENT: ${saga.findings.join(', ')}` : saga.verdict;
  const row = el(
    'tr',
    { dataset: { orderId: saga.orderId } },
    el('th', { scope: 'row', className: 'order' }, open),
    el('td', { className: `status ${saga.status}`, textContent: saga.status }),
    el('td', { textContent: saga.reason ? `${saga.reason}${saga.cause ? ` (${saga.cause})` : ''}` : '' }),
    el('td', { textContent: money(saga.amountCents, saga.currency) }),
    el('td', { textContent: ms(saga.lastAt - saga.firstAt) }),
    el('td', { className: `verdict ${saga.verdict}`, textContent: audit }),
    el('td', { textContent: String(saga.events) }),
  );
  if (saga.orderId === state.selected) row.setAttribute('aria-current', 'true');
  return row;
};

const renderSagas = () => {
  const shown = state.sagas.filter(matches);
  // Keep the focused row's button focused across a redraw (the polling must not steal the keyboard).
  const focused = document.activeElement?.closest?.('#sagas tr')?.dataset.orderId;
  $('#sagas tbody').replaceChildren(...shown.map(sagaRow));
  if (focused) $(`#sagas tr[data-order-id="${focused}"] button`)?.focus();
  say('#sagas-caption', `${shown.length} of ${state.sagas.length} sagas, newest first`);
};

const eventItem = (event, _, events) => {
  const marks = [
    event.compensation && 'compensation',
    event.duplicate && 'duplicate',
    event.repeated && 'published again',
  ].filter(Boolean);
  return el(
    'li',
    { className: marks.join(' ') },
    el(
      'details',
      {},
      el(
        'summary',
        {},
        `+${Math.round(event.at - events[0].at)} ms ${event.detailType}: ${event.summary}`,
        ...marks.map((mark) => el('span', { className: 'mark', textContent: mark })),
      ),
      el('pre', {
        textContent: JSON.stringify({ id: event.id, source: event.source, detail: event.detail }, null, 2),
      }),
    ),
  );
};

const drawDiagram = async (text) => {
  state.diagrams += 1;
  const { svg } = await mermaid.render(`diagram-${state.diagrams}`, text);
  $('#diagram-svg').innerHTML = svg;
};

const renderSaga = async (view) => {
  const { saga } = view;
  $('#saga').hidden = false;
  say('#saga-heading', `Saga ${saga.orderId}: ${saga.status}${saga.reason ? ` ${saga.reason}` : ''}`);
  $('#cancel-order').disabled = saga.status !== 'IN_FLIGHT';
  changed('events', view.events, (events) => $('#saga-events').replaceChildren(...events.map(eventItem)));
  changed('items', view.items, (items) =>
    $('#saga-items').replaceChildren(
      ...Object.entries(items).map(([name, item]) =>
        el(
          'div',
          {},
          el('h4', { textContent: name }),
          el('pre', { textContent: item ? JSON.stringify(item, null, 2) : 'none' }),
        ),
      ),
    ),
  );
  if (state.seen.diagram !== view.mermaid) {
    state.seen.diagram = view.mermaid;
    await drawDiagram(view.mermaid);
  }
};

async function selectSaga(orderId) {
  state.selected = orderId;
  for (const key of ['events', 'items', 'diagram']) delete state.seen[key];
  say('#cancel-answer', '');
  renderSagas();
  await renderSaga(await getJson(`/api/sagas/${encodeURIComponent(orderId)}`));
  $('#saga-heading').focus();
}

/** One dead letter as a row: its event and order, where it came from, why, the IAM denial behind it, the message. */
const deadLetter = (m) =>
  el(
    'tr',
    { dataset: { messageId: m.messageId } },
    el('td', { textContent: m.detailType ?? 'event' }),
    el('td', { textContent: m.orderId ?? '?' }),
    el('td', { textContent: m.from }),
    el('td', { textContent: m.reason }),
    el('td', {
      className: m.denied ? 'denied' : '',
      textContent: m.denied
        ? `${m.denied.action} denied to ${m.denied.principal} on ${m.denied.resource}`
        : '—',
    }),
    el(
      'td',
      {},
      el('details', {}, el('summary', { textContent: 'message' }), el('pre', { textContent: m.body })),
    ),
  );

const DEAD_LETTER_COLUMNS = ['Event', 'Order', 'From', 'Reason', 'IAM denial', 'Message'];

const renderDeadLetters = ({ queues }) => {
  const full = queues.filter((queue) => queue.messages.length > 0);
  $('#redrive').disabled = full.length === 0;
  if (full.length === 0)
    return $('#dead-letters').replaceChildren(el('p', { textContent: 'Every dead-letter queue is empty.' }));
  $('#dead-letters').replaceChildren(
    ...full.map((queue) =>
      el(
        'div',
        { className: 'dlq' },
        el('h3', { textContent: `${queue.queueName} (${queue.messages.length})` }),
        el(
          'table',
          {},
          el(
            'thead',
            {},
            el('tr', {}, ...DEAD_LETTER_COLUMNS.map((c) => el('th', { scope: 'col', textContent: c }))),
          ),
          el('tbody', {}, ...queue.messages.map(deadLetter)),
        ),
      ),
    ),
  );
};

const renderMetrics = ({ funnel, durationMs }) => {
  pairs('#funnel', [
    ['Placed', funnel.placed],
    ['Paid', funnel.paid],
    ['Reserved', funnel.reserved],
    ['Confirmed', funnel.confirmed],
    ['Cancelled', funnel.cancelled],
  ]);
  pairs('#durations', [
    ['Ended sagas', durationMs.count],
    ['p50', ms(durationMs.p50)],
    ['p90', ms(durationMs.p90)],
    ['p99', ms(durationMs.p99)],
    ['max', ms(durationMs.max)],
  ]);
};

const renderAlarms = ({ alarms }) =>
  $('#alarms tbody').replaceChildren(
    ...alarms.map((a) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row', textContent: a.alarmName, title: a.description ?? '' }),
        el('td', { className: a.state, textContent: a.state }),
        el('td', { textContent: String(a.fired) }),
        el('td', { textContent: a.metric }),
        el('td', { textContent: a.reason }),
      ),
    ),
  );

const refresh = async () => {
  try {
    const [sagas, deadLetters, metrics, alarms] = await Promise.all(
      ['/api/sagas', '/api/dead-letters', '/api/metrics', '/api/alarms'].map((path) => getJson(path)),
    );
    changed('sagas', sagas, () => {
      state.sagas = sagas.sagas;
      renderCounts(sagas.counts);
      renderSagas();
    });
    changed('dead-letters', deadLetters, renderDeadLetters);
    changed('metrics', metrics, renderMetrics);
    changed('alarms', alarms, renderAlarms);
    if (state.selected) await renderSaga(await getJson(`/api/sagas/${encodeURIComponent(state.selected)}`));
    say('#status', `Live: updated ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    say('#status', `Not updated: ${error.message}`);
  }
};

/** Runs an action, saying what it answered (or why it failed) in `where`. */
const act = async (where, action) => {
  say(where, 'Working…');
  try {
    say(where, await action());
  } catch (error) {
    say(where, `Failed: ${error.message}`);
  }
  await refresh();
};

const answerOf = (result) =>
  `storefront API answered ${result.status}${result.location ? ` (${result.location})` : ''}: ${JSON.stringify(result.body)}`;

$('#redrive').addEventListener('click', () =>
  act('#status', async () => {
    $('#redrive').disabled = true;
    const result = await postJson('/api/redrive');
    return `Redrove ${result.redriven}; ${result.deadLetters} dead letter(s) remain`;
  }),
);

$('#put-payload').addEventListener('submit', (event) => {
  event.preventDefault();
  const file = $('#payload').value;
  if (event.submitter?.value === 'place')
    return act(
      '#action-answer',
      async () => `Placed ${file}: ${answerOf(await postJson('/api/orders', { file }))}`,
    );
  return act('#action-answer', async () => {
    const result = await postJson('/api/payloads', { file });
    return `Put ${file}: ${result.eventIds.length} event(s), ${result.failed} failed`;
  });
});

const cancel = (orderId, where) =>
  act(
    where,
    async () =>
      `Cancel ${orderId}: ${answerOf(await postJson(`/api/orders/${encodeURIComponent(orderId)}/cancel`))}`,
  );
$('#cancel-form').addEventListener('submit', (event) => {
  event.preventDefault();
  cancel($('#cancel-id').value.trim(), '#action-answer');
});
$('#cancel-order').addEventListener('click', () => cancel(state.selected, '#cancel-answer'));

for (const id of ['#search', '#filter-status', '#filter-reason', '#filter-verdict'])
  $(id).addEventListener('input', renderSagas);
$('#filters').addEventListener('submit', (event) => event.preventDefault());

const { payloads, frontDoor } = await getJson('/api/payloads');
$('#payload').replaceChildren(...payloads.map((file) => el('option', { textContent: file })));
$('#place-order').disabled = !frontDoor;
// The next poll starts a second after the last one ended, so a slow answer never piles polls up.
const poll = async () => {
  await refresh();
  setTimeout(poll, 1000);
};
await poll();
