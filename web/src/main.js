// The flow builder's shell: sign in with a token, then tabs for flows (list and editor), tasks,
// trying a flow and usage. The session (API address and token) lives in sessionStorage only.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { html, Field } from './ui.js';
import { client } from './api.js';
import { FlowEditor } from './editor.js';
import { TasksView } from './tasks.js';
import { TryView } from './try.js';
import { UsageView } from './usage.js';

const TABS = [['flows', 'Flows'], ['tasks', 'Tasks'], ['try', 'Try a flow'], ['usage', 'Usage']];

function defaultBase() {
  // served by the local server (or next to the API): the API is this page's own origin
  return localStorage.getItem('visionflow.api') || new URL('/', location.href).href;
}

function App() {
  const [session, setSession] = useState(() => {
    const saved = sessionStorage.getItem('visionflow.session');
    return saved ? JSON.parse(saved) : null;
  });
  if (!session) {
    return html`<${SignIn} onSignedIn=${s => { sessionStorage.setItem('visionflow.session', JSON.stringify(s)); setSession(s); }}/>`;
  }
  return html`<${Workspace} session=${session}
    onSignOut=${() => { sessionStorage.removeItem('visionflow.session'); setSession(null); }}/>`;
}

function SignIn({ onSignedIn }) {
  const [base, setBase] = useState(defaultBase);
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  async function submit(e) {
    e.preventDefault();
    try {
      const me = await client(base, token.trim()).authorize();
      localStorage.setItem('visionflow.api', base);
      onSignedIn({ base, token: token.trim(), user: me.user_id });
    } catch (err) {
      setError(err.status === 401 ? 'That token is not valid here.' : `Cannot reach the API: ${err.message}`);
    }
  }
  return html`<main class="signin">
    <h1>Visionflow flow builder</h1>
    <form onSubmit=${submit} aria-label="Sign in">
      <${Field} label="API address" field="api" value=${base} onValue=${setBase} required/>
      <${Field} label="API token" field="token" type="password" autocomplete="current-password" value=${token} onValue=${setToken}
        error=${error} required/>
      <button type="submit" class="primary">Sign in</button>
    </form>
    <p class="muted">The local server prints its token at first start and keeps it in <code>visionflow-data/token</code>.</p>
  </main>`;
}

function Workspace({ session, onSignOut }) {
  const [api] = useState(() => client(session.base, session.token));
  const [tab, setTab] = useState('flows');
  const [tasks, setTasks] = useState([]);
  const [flows, setFlows] = useState([]);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState(null); // {id, initial} | null
  const [tryFlow, setTryFlow] = useState('');

  const reload = async () => {
    try {
      const [t, f] = await Promise.all([api.tasks(), api.flows()]);
      setTasks(t);
      setFlows(f);
      setError('');
    } catch (e) {
      setError(e.message);
    }
  };
  useEffect(() => { reload(); }, []);

  async function edit(id) {
    try {
      setEditing({ id, initial: id ? await api.flowJson(id) : null, key: Date.now() });
    } catch (e) {
      setError(e.message);
    }
  }
  async function drop(flow) {
    if (!confirm(`Delete the flow ${flow.name}?`)) return;
    try {
      await api.deleteFlow(flow.id);
      reload();
    } catch (e) {
      setError(e.message);
    }
  }

  return html`<div class="app">
    <header>
      <h1>Visionflow</h1>
      <nav aria-label="Sections">
        ${TABS.map(([id, label]) => html`<button type="button" class="tab" data-tab=${id} aria-current=${tab === id ? 'page' : undefined}
          onClick=${() => setTab(id)}>${label}</button>`)}
      </nav>
      <span class="who">${session.user} at ${session.base}</span>
      <button type="button" onClick=${onSignOut}>Sign out</button>
    </header>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <main>
      ${tab === 'flows' && html`<div class="flows-tab">
        <section aria-labelledby="flows-title" class="flow-list">
          <div class="editor-head"><h2 id="flows-title">Flows</h2>
            <button type="button" class="primary" data-action="new-flow" onClick=${() => edit(null)}>New flow</button></div>
          <table class="list" data-testid="flows">
            <thead><tr><th scope="col">Name</th><th scope="col">Valid</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
            <tbody>${flows.map(f => html`<tr data-id=${f.id}>
              <td>${f.name}<br/><code class="muted">${f.id}</code></td>
              <td>${f.valid ? 'yes' : html`<span class="error">no: ${f.invalid_reason}</span>`}</td>
              <td class="buttons">
                <button type="button" onClick=${() => edit(f.id)} aria-label=${`Edit ${f.name}`}>Edit</button>
                <button type="button" onClick=${() => { setTryFlow(f.id); setTab('try'); }} aria-label=${`Try ${f.name}`}>Try</button>
                <button type="button" class="danger" onClick=${() => drop(f)} aria-label=${`Delete ${f.name}`}>Delete</button>
              </td></tr>`)}</tbody>
          </table>
        </section>
        ${editing && html`<${FlowEditor} key=${editing.key} api=${api} id=${editing.id} initial=${editing.initial} tasks=${tasks} flows=${flows}
          onSaved=${saved => { setEditing(e => ({ ...e, id: saved.id })); reload(); }} onClose=${() => setEditing(null)}/>`}
      </div>`}
      ${tab === 'tasks' && html`<${TasksView} api=${api} tasks=${tasks} onChanged=${reload}/>`}
      ${tab === 'try' && html`<${TryView} api=${api} flows=${flows} initialFlow=${tryFlow}/>`}
      ${tab === 'usage' && html`<${UsageView} api=${api} flows=${flows}/>`}
    </main>
  </div>`;
}

render(html`<${App}/>`, document.getElementById('app'));
