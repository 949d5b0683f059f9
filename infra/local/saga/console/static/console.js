// The saga console's page: polls the JSON API every second and redraws; no framework, no build step.
/* global mermaid */
const $ = (selector) => document.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
};
const getJson = async (path, init) => {
  const response = await fetch(path, init);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${path}: ${response.status}`);
  return body;
};
const postJson = (path, body) =>
  getJson(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const money = (cents, currency) =>
  cents === undefined ? '' : `${(cents / 100).toFixed(2)} ${currency ?? ''}`;

mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'neutral' });

const state = { sagas: [], selected: undefined, drawn: '' };

const renderCounts = (counts) => {
  const entries = [
    ['Sagas', counts.total],
    ['In flight', counts.inFlight],
    ['Confirmed', counts.confirmed],
    ...Object.entries(counts.cancelled).map(([reason, n]) => [`Cancelled ${reason}`, n]),
    ['Inconsistent', counts.inconsistent],
  ];
  $('#counts').replaceChildren(
    ...entries.map(([name, n]) =>
      el('div', {}, el('dt', { textContent: name }), el('dd', { textContent: String(n) })),
    ),
  );
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
    el('td', { className: 'order' }, open),
    el('td', { className: `status ${saga.status}`, textContent: saga.status }),
    el('td', { textContent: saga.reason ? `${saga.reason}${saga.cause ? ` (${saga.cause})` : ''}` : '' }),
    el('td', { textContent: money(saga.amountCents, saga.currency) }),
    el('td', { textContent: `${Math.round(saga.lastAt - saga.firstAt)} ms` }),
    el('td', { className: `verdict ${saga.verdict}`, textContent: audit }),
    el('td', { textContent: String(saga.events) }),
  );
  if (saga.orderId === state.selected) row.setAttribute('aria-current', 'true');
  return row;
};

const renderSagas = () => $('#sagas tbody').replaceChildren(...state.sagas.filter(matches).map(sagaRow));

const eventItem = (event) => {
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
        `+${Math.round(event.at)} ms ${event.detailType}: ${event.summary}`,
        ...marks.map((mark) => el('span', { className: 'mark', textContent: mark })),
      ),
      el('pre', { textContent: JSON.stringify(event.detail, null, 2) }),
    ),
  );
};

const renderSaga = async (view) => {
  $('#saga').hidden = false;
  $('#saga-heading').textContent =
    `Saga ${view.saga.orderId}: ${view.saga.status}${view.saga.reason ? ` ${view.saga.reason}` : ''}`;
  $('#saga-events').replaceChildren(...view.events.map(eventItem));
  $('#saga-items').replaceChildren(
    ...Object.entries(view.items).map(([name, item]) =>
      el(
        'div',
        {},
        el('h4', { textContent: name }),
        el('pre', { textContent: item ? JSON.stringify(item, null, 2) : 'none' }),
      ),
    ),
  );
  if (view.mermaid === state.drawn) return;
  state.drawn = view.mermaid;
  const { svg } = await mermaid.render(`diagram-${Date.now()}`, view.mermaid);
  $('#diagram').innerHTML = svg;
};

async function selectSaga(orderId) {
  state.selected = orderId;
  state.drawn = '';
  renderSagas();
  await renderSaga(await getJson(`/api/sagas/${encodeURIComponent(orderId)}`));
  $('#saga-heading').scrollIntoView({ block: 'start' });
}

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
          'ul',
          {},
          ...queue.messages.map((m) =>
            el(
              'li',
              {},
              el(
                'details',
                {},
                el('summary', {
                  textContent: `${m.detailType ?? 'event'} of order ${m.orderId ?? '?'} from ${m.from}: ${m.reason}`,
                }),
                el('pre', { textContent: m.body }),
              ),
            ),
          ),
        ),
      ),
    ),
  );
};

const renderAlarms = ({ alarms }) => {
  if (!Array.isArray(alarms)) return $('#alarms').replaceChildren('not available');
  $('#alarms').replaceChildren(
    el(
      'ul',
      {},
      ...alarms.map((a) =>
        el('li', { textContent: `${a.name ?? a.alarmName ?? '?'}: ${a.state ?? a.stateValue ?? '?'}` }),
      ),
    ),
  );
};

const refresh = async () => {
  try {
    const [sagas, deadLetters, alarms] = await Promise.all([
      getJson('/api/sagas'),
      getJson('/api/dead-letters'),
      getJson('/api/alarms'),
    ]);
    state.sagas = sagas.sagas;
    renderCounts(sagas.counts);
    renderSagas();
    renderDeadLetters(deadLetters);
    renderAlarms(alarms);
    if (state.selected) await renderSaga(await getJson(`/api/sagas/${encodeURIComponent(state.selected)}`));
    $('#status').textContent = `Live: updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    $('#status').textContent = `Not updated: ${error.message}`;
  }
};

$('#redrive').addEventListener('click', async () => {
  $('#redrive').disabled = true;
  $('#status').textContent = 'Redriving…';
  const result = await postJson('/api/redrive', {});
  $('#status').textContent = `Redrove ${result.redriven}; ${result.deadLetters} dead letter(s) remain`;
  await refresh();
});

$('#put-payload').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('#payload').value;
  const result = await postJson('/api/payloads', { file });
  $('#status').textContent = `Put ${file}: ${result.eventIds.length} event(s), ${result.failed} failed`;
  await refresh();
});

for (const id of ['#search', '#filter-status', '#filter-reason', '#filter-verdict'])
  $(id).addEventListener('input', renderSagas);
$('#filters').addEventListener('submit', (event) => event.preventDefault());

const { payloads } = await getJson('/api/payloads');
$('#payload').replaceChildren(...payloads.map((file) => el('option', { textContent: file })));
await refresh();
setInterval(refresh, 1000);
