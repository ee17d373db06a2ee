// The flow editor: the definition as a tree of fieldsets, one per action, validated by the server
// as the user edits (POST /flows/v2/validate); each problem is shown on the action its path names.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Field, Select, describe, uid } from './ui.js';
import { ACTION_TYPES, taskKind, newAction, problemsByNode, remove, move, branchFor, toDefinition, fromJson } from './flow-tree.js';

const SERVICES = ['dominant_colors', 'remove_background', 'upscale', 'read_text'];
const TYPE_OPTIONS = Object.entries(ACTION_TYPES).map(([value, t]) => ({ value, label: t.label }));

/** The editor of one flow; id is null for a new flow. onSaved gets the stored entity. */
export function FlowEditor({ api, id, initial, tasks, flows, onSaved, onClose }) {
  const [flow] = useState(() => fromJson(initial || { name: '', top_node: null }));
  const [version, setVersion] = useState(0);
  const [problems, setProblems] = useState(new Map());
  const [state, setState] = useState({ checking: false, valid: null, message: '' });
  const [json, setJson] = useState('');
  const seq = useRef(0);
  const changed = () => setVersion(v => v + 1);

  // every change is checked by the server, a moment after the user stops typing
  useEffect(() => {
    const mine = ++seq.current;
    setState(s => ({ ...s, checking: true }));
    const timer = setTimeout(async () => {
      let found = [];
      let message = '';
      try {
        await api.validate(toDefinition(flow), id);
      } catch (e) {
        found = e.errors || [];
        message = found.length ? '' : e.message;
      }
      if (mine !== seq.current) return; // a newer edit is being checked
      setProblems(problemsByNode(flow.top_node, found));
      setState({ checking: false, valid: !found.length && !message, message });
    }, 250);
    return () => clearTimeout(timer);
  }, [version]);

  async function save() {
    try {
      const saved = await api.saveFlow(toDefinition(flow), id);
      setState({ checking: false, valid: true, message: `Saved version ${saved.version}.` });
      onSaved(saved);
    } catch (e) {
      setProblems(problemsByNode(flow.top_node, e.errors));
      setState({ checking: false, valid: false, message: `Not saved: ${e.message}` });
    }
  }

  function importJson(text) {
    try {
      Object.assign(flow, fromJson(JSON.parse(text)));
      changed();
    } catch (e) {
      setState(s => ({ ...s, message: `Cannot import: ${e.message}` }));
    }
  }

  const exportText = () => JSON.stringify(toDefinition(flow), null, 2);
  const download = () => {
    const url = URL.createObjectURL(new Blob([exportText()], { type: 'application/json' }));
    const a = Object.assign(document.createElement('a'), { href: url, download: `${flow.name || 'flow'}.json` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  const flowProblems = problems.get('') || [];
  const ctx = { tasks, flows: flows.filter(f => f.id !== id), problems, root: () => flow.top_node, changed };
  const count = [...problems.values()].reduce((n, l) => n + l.length, 0);

  return html`<section class="editor" aria-labelledby="editor-title">
    <div class="editor-head">
      <h2 id="editor-title">${id ? `Edit flow ${flow.name || id}` : 'New flow'}</h2>
      <div class="buttons">
        <button type="button" class="primary" onClick=${save} data-action="save">Save</button>
        <button type="button" onClick=${onClose}>Close</button>
      </div>
    </div>
    <p class=${'verdict ' + (state.valid ? 'ok' : state.valid === false ? 'bad' : '')} role="status" aria-live="polite" data-testid="verdict">
      ${state.checking ? 'Checking…' : state.valid ? 'Valid.' : state.valid === false ? `${count || 'Some'} problem${count === 1 ? '' : 's'}.` : ''}
      ${state.message && html` <span>${state.message}</span>`}
    </p>
    <div class="flow-fields">
      <${Field} label="Name" field="name" value=${flow.name} onValue=${v => { flow.name = v; changed(); }}
        error=${flowProblems.filter(p => p.field === 'name').map(describe).join('; ')}/>
      <${Field} label="Description" field="description" value=${flow.description} onValue=${v => { flow.description = v; changed(); }}/>
      <${Field} label="Image size (longer side, px)" field="image_size" type="number" min="1" value=${flow.image_size}
        onValue=${v => { flow.image_size = v; changed(); }}/>
    </div>
    ${flowProblems.filter(p => p.field !== 'name').length > 0 && html`<ul class="problems" data-path="">
      ${flowProblems.filter(p => p.field !== 'name').map(p => html`<li>${describe(p)}</li>`)}</ul>`}
    <div class="tree" role="group" aria-label="Actions of the flow">
      ${flow.top_node
        ? html`<${Node} node=${flow.top_node} path="top_node" ctx=${ctx}
            onDelete=${() => { flow.top_node = null; changed(); }}/>`
        : html`<${AddAction} label="Top action" ctx=${ctx} onAdd=${a => { flow.top_node = a; }}/>`}
    </div>
    <details class="json">
      <summary>Import or export the JSON definition</summary>
      <label class="field wide"><span>Flow JSON</span>
        <textarea rows="12" spellcheck="false" data-field="json" value=${json} onInput=${e => setJson(e.target.value)}></textarea></label>
      <div class="buttons">
        <button type="button" onClick=${() => setJson(exportText())}>Show the current JSON</button>
        <button type="button" onClick=${() => importJson(json)}>Import this JSON</button>
        <label class="file-button">Import a file <input type="file" accept="application/json,.json"
          onChange=${async e => e.target.files[0] && importJson(await e.target.files[0].text())}/></label>
        <button type="button" onClick=${download}>Download JSON</button>
      </div>
    </details>
  </section>`;
}

/** Adds an action of a chosen type. */
function AddAction({ label, ctx, onAdd }) {
  const [type, setType] = useState('recognition');
  const [id] = useState(() => uid('add'));
  return html`<div class="add-action">
    <label for=${id}>${label}</label>
    <select id=${id} data-field="add-type" onChange=${e => setType(e.target.value)}>
      ${TYPE_OPTIONS.map(o => html`<option value=${o.value} selected=${o.value === type}>${o.label}</option>`)}
    </select>
    <button type="button" data-action="add" onClick=${() => { onAdd(newAction(type, ctx.root())); ctx.changed(); }}>Add</button>
  </div>`;
}

/** One action: its own fields, its problems, and its children. */
function Node({ node, path, ctx, onDelete, onMove }) {
  const mine = ctx.problems.get(path) || [];
  const errorOf = field => mine.filter(p => p.field === field).map(p => p.message).join('; ');
  const shown = new Set(['type', 'id', 'task', 'output_field', 'field', 'flow', 'service', 'mode', 'threshold', 'top_k', 'keep_prob',
    'min_prob', 'min_area', 'padding', 'labels', 'params']);
  const others = mine.filter(p => !shown.has(p.field));
  const set = (field, value) => {
    if (value === '' || value === undefined) delete node[field];
    else node[field] = value;
    ctx.changed();
  };
  const kind = taskKind(node.type);
  const task = ctx.tasks.find(t => t.id === node.task);
  const title = `${ACTION_TYPES[node.type]?.label || node.type} ${node.id || ''}`;

  return html`<fieldset class=${'node node-' + node.type + (mine.length ? ' has-problems' : '')} data-path=${path} data-type=${node.type}>
    <legend>${title}</legend>
    <div class="node-tools">
      ${onMove && html`<button type="button" aria-label=${`Move ${node.id} up`} data-action="up" onClick=${() => onMove(-1)}>↑</button>
        <button type="button" aria-label=${`Move ${node.id} down`} data-action="down" onClick=${() => onMove(1)}>↓</button>`}
      <button type="button" class="danger" aria-label=${`Delete ${node.id}`} data-action="delete" onClick=${onDelete}>Delete</button>
    </div>
    <div class="fields">
      <${Field} label="Id" field="id" value=${node.id} onValue=${v => set('id', v)} error=${errorOf('id')}/>
      ${kind && html`<${Select} label=${`Task (${kind})`} field="task" value=${node.task} placeholder="— pick a task —" error=${errorOf('task')}
        options=${ctx.tasks.filter(t => t.type === kind || t.id === node.task).map(t => ({ value: t.id, label: `${t.name} (${t.id})` }))}
        onValue=${v => set('task', v)}/>`}
      ${node.type === 'list' && html`<${Select} label="Mode" field="mode" value=${node.mode || 'parallel'} error=${errorOf('mode')}
        options=${[{ value: 'parallel', label: 'parallel' }, { value: 'sequence', label: 'sequence' }]} onValue=${v => set('mode', v)}/>`}
      ${['recognition', 'detection', 'object_selector', 'service'].includes(node.type) && html`<${Field} label="Output field"
        field="output_field" value=${node.output_field} error=${errorOf('output_field')} onValue=${v => set('output_field', v)}/>`}
      ${node.type === 'recognition' && html`<${Field} label="Top k" field="top_k" type="number" min="1" value=${node.top_k}
        error=${errorOf('top_k')} onValue=${v => set('top_k', v)}/>`}
      ${node.type === 'detection' && html`<${Field} label="Keep probability" field="keep_prob" type="number" step="0.05" min="0" max="1"
        value=${node.keep_prob} error=${errorOf('keep_prob')} onValue=${v => set('keep_prob', v)}/>`}
      ${node.type === 'branch_selector' && html`
        <${Field} label="Field (label written here)" field="field" value=${node.field} error=${errorOf('field')} onValue=${v => set('field', v)}/>
        <${Select} label="Mode" field="mode" value=${node.mode || 'best'} error=${errorOf('mode')}
          options=${[{ value: 'best', label: 'best label' }, { value: 'threshold', label: 'every label over a threshold' }]}
          onValue=${v => set('mode', v)}/>
        ${node.mode === 'threshold' && html`<${Field} label="Threshold" field="threshold" type="number" step="0.05" min="0" max="1"
          value=${node.threshold} error=${errorOf('threshold')} onValue=${v => set('threshold', v)}/>`}`}
      ${node.type === 'object_selector' && html`
        <${Field} label="Min probability to analyse" field="min_prob" type="number" step="0.05" min="0" max="1" value=${node.min_prob}
          error=${errorOf('min_prob')} onValue=${v => set('min_prob', v)}/>
        <${Field} label="Min area to analyse (fraction of the image)" field="min_area" type="number" step="0.01" min="0" max="1" value=${node.min_area}
          error=${errorOf('min_area')} onValue=${v => set('min_area', v)}/>
        <${Field} label="Padding (px)" field="padding" type="number" min="0" value=${node.padding}
          error=${errorOf('padding')} onValue=${v => set('padding', v)}/>
        ${task && html`<fieldset class="labels" data-field="labels"><legend>Analyse only objects labelled (none ticked: all)</legend>
          ${task.labels.map(l => html`<label class="check"><input type="checkbox" checked=${(node.labels || []).includes(l.name)}
            onChange=${e => set('labels', toggled(node.labels, l.name, e.target.checked))}/> ${l.name}</label>`)}
          ${errorOf('labels') && html`<span class="error">${errorOf('labels')}</span>`}</fieldset>`}`}
      ${node.type === 'flow' && html`<${Select} label="Flow" field="flow" value=${node.flow} placeholder="— pick a flow —" error=${errorOf('flow')}
        options=${ctx.flows.map(f => ({ value: f.id, label: `${f.name} (${f.id})${f.valid ? '' : ' — not valid'}` }))}
        onValue=${v => set('flow', v)}/>`}
      ${node.type === 'service' && html`
        <${Select} label="Service" field="service" value=${node.service} error=${errorOf('service')}
          options=${SERVICES.map(s => ({ value: s, label: s }))} onValue=${v => set('service', v)}/>
        <${Params} node=${node} error=${mine.filter(p => p.field.startsWith('params')).map(describe).join('; ')} ctx=${ctx}/>`}
    </div>
    ${others.length > 0 && html`<ul class="problems" role="alert">${others.map(p => html`<li>${describe(p)}</li>`)}</ul>`}
    <${Children} node=${node} path=${path} task=${task} ctx=${ctx}/>
  </fieldset>`;
}

const keys = new WeakMap();
let nextKey = 0;
/** A stable key per action object, so that moving an item moves its inputs (and their focus) with it. */
function keyOf(action) {
  if (!keys.has(action)) keys.set(action, ++nextKey);
  return keys.get(action);
}

function toggled(list, value, on) {
  const out = (list || []).filter(v => v !== value);
  if (on) out.push(value);
  return out.length ? out : '';
}

/** Service params as JSON, parsed when it is valid JSON. */
function Params({ node, error, ctx }) {
  const [text, setText] = useState(node.params ? JSON.stringify(node.params) : '');
  const [local, setLocal] = useState('');
  const input = e => {
    setText(e.target.value);
    try {
      const v = e.target.value.trim() ? JSON.parse(e.target.value) : undefined;
      if (v === undefined) delete node.params;
      else node.params = v;
      setLocal('');
      ctx.changed();
    } catch {
      setLocal('not valid JSON yet');
    }
  };
  return html`<${Field} label='Params (JSON, e.g. {"count": 3})' field="params" value=${text} onInput=${input}
    onValue=${() => {}} error=${local || error}/>`;
}

/** The children of a node: list items, the action on every object, per-label branches, the default. */
function Children({ node, path, task, ctx }) {
  const root = ctx.root();
  const drop = childPath => () => { remove(root, childPath); ctx.changed(); };
  const slot = (label, childPath, value, put) => html`<div class="slot" data-slot=${childPath}>
    ${value
      ? html`<div class="slot-label">${label}</div><${Node} node=${value} path=${childPath} ctx=${ctx} onDelete=${drop(childPath)}/>`
      : html`<${AddAction} label=${label} ctx=${ctx} onAdd=${put}/>`}
  </div>`;

  if (node.type === 'list') {
    const items = node.actions || (node.actions = []);
    return html`<div class="children">
      ${items.map((a, i) => html`<${Node} key=${keyOf(a)} node=${a} path=${`${path}.actions[${i}]`} ctx=${ctx}
        onDelete=${drop(`${path}.actions[${i}]`)}
        onMove=${d => { move(root, `${path}.actions[${i}]`, d) && ctx.changed(); }}/>`)}
      <${AddAction} label="Add to the list" ctx=${ctx} onAdd=${a => { items.push(a); }}/>
    </div>`;
  }
  if (node.type !== 'branch_selector' && node.type !== 'object_selector') return null;
  // the task's labels are the branches on offer; labels of branches the task no longer has stay
  // visible, so that the server's complaint about them has a place
  const labels = [...(task?.labels.map(l => l.name) || [])];
  for (const b of node.branches || []) if (b && !labels.includes(b.label)) labels.push(b.label);
  // a label without a branch yet has no path: its slot is named by the label
  const branchPath = label => {
    const i = (node.branches || []).findIndex(b => b.label === label);
    return i < 0 ? `${path}.branches(${label})` : `${path}.branches[${i}].action`;
  };
  return html`<div class="children">
    ${node.type === 'object_selector' && slot('On every analysed object', `${path}.action`, node.action, a => { node.action = a; })}
    ${labels.length === 0 && html`<p class="hint">Pick a task to see its labels as branches.</p>`}
    ${labels.map(label => {
      const b = (node.branches || []).find(x => x.label === label);
      return slot(node.type === 'branch_selector' ? `Branch “${label}”` : `Objects labelled “${label}”`, branchPath(label),
        b?.action, a => { branchFor(node, label).action = a; });
    })}
    ${node.type === 'branch_selector' && slot('Default (no branch matched)', `${path}.default`, node.default, a => { node.default = a; })}
  </div>`;
}
