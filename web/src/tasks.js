// Tasks: the account's tasks with their labels and backend, and a form that uploads an ONNX model
// (POST /models/v2/model/) and registers it as a task with its labels and preprocessing.
import { useState } from 'preact/hooks';
import { html, Field, Select } from './ui.js';

const OUTPUTS = {
  classification: '{"decoder": "classifier", "activation": "softmax"}',
  detection: '{"decoder": "yolo"}',
};

export function TasksView({ api, tasks, onChanged }) {
  return html`<section aria-labelledby="tasks-title">
    <h2 id="tasks-title">Tasks</h2>
    <table class="list" data-testid="tasks">
      <thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Kind</th><th scope="col">Labels</th><th scope="col">Backend</th></tr></thead>
      <tbody>${tasks.map(t => html`<tr data-id=${t.id}>
        <td>${t.name}</td><td><code>${t.id}</code></td><td>${t.type}</td>
        <td>${t.labels.map(l => l.name).join(', ')}</td>
        <td>${t.backend?.kind}${t.backend?.kind === 'onnx' ? ` (model ${String(t.backend.model).slice(0, 10)}…)` : t.backend?.url ? ` ${t.backend.url}` : ''}</td>
      </tr>`)}</tbody>
    </table>
    ${tasks.length === 0 && html`<p>No tasks yet.</p>`}
    <${RegisterTask} api=${api} onChanged=${onChanged}/>
  </section>`;
}

function RegisterTask({ api, onChanged }) {
  const [form, setForm] = useState({
    kind: 'classification', name: '', labels: '', width: 224, height: 224, resize: 'stretch', channels: 'rgb',
    layout: 'nchw', scale: '', mean: '', std: '', output: OUTPUTS.classification,
  });
  const [file, setFile] = useState(null);
  const [problems, setProblems] = useState([]);
  const [message, setMessage] = useState('');
  const set = field => value => setForm(f => ({ ...f, [field]: value }));
  const errorOf = prefix => problems.filter(p => p.path === prefix || p.path.startsWith(prefix + '.')).map(p => p.message).join('; ');
  const numbers = text => text.split(',').map(s => Number(s.trim()));

  async function submit(e) {
    e.preventDefault();
    setProblems([]);
    if (!file) {
      setMessage('Pick an ONNX file.');
      return;
    }
    let output;
    try {
      output = JSON.parse(form.output);
    } catch {
      setProblems([{ path: 'backend.output', message: 'is not valid JSON' }]);
      return;
    }
    try {
      setMessage('Uploading the model…');
      const model = await api.uploadModel(file);
      const preprocessing = { width: form.width, height: form.height, resize: form.resize, channels: form.channels, layout: form.layout };
      if (form.scale !== '') preprocessing.scale = Number(form.scale);
      if (form.mean.trim()) preprocessing.mean = numbers(form.mean);
      if (form.std.trim()) preprocessing.std = numbers(form.std);
      const task = await api.createTask(form.kind, {
        name: form.name,
        labels: form.labels.split(',').map(s => s.trim()).filter(Boolean),
        backend: { kind: 'onnx', model: model.id, preprocessing, output },
      });
      setMessage(`Registered task ${task.name} (${task.id}).`);
      onChanged();
    } catch (err) {
      setProblems(err.errors || []);
      setMessage(`Not registered: ${err.message}`);
    }
  }

  return html`<form class="register" onSubmit=${submit} aria-labelledby="register-title">
    <h3 id="register-title">Register a task from an ONNX model</h3>
    <div class="grid">
      <${Select} label="Kind" field="kind" value=${form.kind} options=${[{ value: 'classification', label: 'recognition (classification)' },
        { value: 'detection', label: 'detection' }]} onValue=${v => setForm(f => ({ ...f, kind: v, output: OUTPUTS[v] }))}/>
      <${Field} label="Name" field="name" value=${form.name} onValue=${set('name')} error=${errorOf('name')} required/>
      <${Field} label="Labels (comma separated)" field="labels" value=${form.labels} onValue=${set('labels')} error=${errorOf('labels')} required/>
      <label class="field"><span>ONNX model file</span>
        <input type="file" accept=".onnx,application/octet-stream" data-field="model-file" onChange=${e => setFile(e.target.files[0] || null)}/>
        ${errorOf('backend.model') && html`<span class="error">${errorOf('backend.model')}</span>`}</label>
    </div>
    <fieldset class="grid"><legend>Preprocessing</legend>
      <${Field} label="Width" field="width" type="number" min="1" value=${form.width} onValue=${set('width')} error=${errorOf('backend.preprocessing.width')}/>
      <${Field} label="Height" field="height" type="number" min="1" value=${form.height} onValue=${set('height')} error=${errorOf('backend.preprocessing.height')}/>
      <${Select} label="Resize" field="resize" value=${form.resize} onValue=${set('resize')}
        options=${['stretch', 'letterbox', 'letterbox_top_left', 'center_crop'].map(v => ({ value: v, label: v }))}/>
      <${Select} label="Channels" field="channels" value=${form.channels} onValue=${set('channels')} options=${['rgb', 'bgr'].map(v => ({ value: v, label: v }))}/>
      <${Select} label="Layout" field="layout" value=${form.layout} onValue=${set('layout')} options=${['nchw', 'nhwc'].map(v => ({ value: v, label: v }))}/>
      <${Field} label="Scale (e.g. 0.00392)" field="scale" value=${form.scale} onValue=${set('scale')} error=${errorOf('backend.preprocessing.scale')}/>
      <${Field} label="Mean (r, g, b)" field="mean" value=${form.mean} onValue=${set('mean')} error=${errorOf('backend.preprocessing.mean')}/>
      <${Field} label="Std (r, g, b)" field="std" value=${form.std} onValue=${set('std')} error=${errorOf('backend.preprocessing.std')}/>
    </fieldset>
    <label class="field wide"><span>Output decoding (JSON)</span>
      <textarea rows="2" data-field="output" value=${form.output} onInput=${e => set('output')(e.target.value)}></textarea>
      ${errorOf('backend.output') && html`<span class="error">${errorOf('backend.output')}</span>`}</label>
    ${problems.filter(p => !p.path.match(/^(name|labels|backend\.(model|output|preprocessing\.(width|height|scale|mean|std)))/)).length > 0
      && html`<ul class="problems">${problems.map(p => html`<li>${p.path}: ${p.message}</li>`)}</ul>`}
    <button type="submit" class="primary">Upload and register</button>
    <p role="status" aria-live="polite">${message}</p>
  </form>`;
}
