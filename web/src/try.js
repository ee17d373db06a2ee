// Try a flow: pick or drop images, run them (synchronously, or as an async request polled until
// done), and see each record drawn: boxes with labels and probabilities, each object's crop with
// its sub-results, the branches taken, the credits, next to the raw JSON.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, Select, percent } from './ui.js';
import { findings, summary } from './results.js';

const COLOURS = ['#d7263d', '#1b998b', '#2e86ab', '#f46036', '#6a4c93', '#2d3047'];

function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve({ name: file.name, src: r.result });
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

export function TryView({ api, flows, initialFlow }) {
  const [flow, setFlow] = useState(initialFlow || flows.find(f => f.valid)?.id || '');
  const [images, setImages] = useState([]);
  const [asyncMode, setAsyncMode] = useState(false);
  const [status, setStatus] = useState('');
  const [answer, setAnswer] = useState(null);
  const [dragging, setDragging] = useState(false);
  const polling = useRef(0);
  useEffect(() => () => { polling.current++; }, []);

  async function add(files) {
    const read = await Promise.all([...files].filter(f => f.type.startsWith('image/')).map(readFile));
    setImages(list => [...list, ...read].slice(-10));
  }

  async function run() {
    setAnswer(null);
    const records = images.map(i => ({ _id: i.name, _base64: i.src }));
    const mine = ++polling.current;
    try {
      if (!asyncMode) {
        setStatus('Running…');
        setAnswer(await api.process(flow, records));
        setStatus('Done.');
        return;
      }
      const created = await api.submit(flow, records);
      setStatus(`Request ${created.id}: ${created.status}`);
      for (;;) {
        await new Promise(r => setTimeout(r, 400));
        if (mine !== polling.current) return;
        const r = await api.request(created.id);
        setStatus(`Request ${r.id}: ${r.status}`);
        if (r.status === 'DONE' || r.status === 'ERROR') {
          setAnswer(r.response || { error: r });
          return;
        }
      }
    } catch (e) {
      setStatus(`Failed: ${e.message}`);
      setAnswer(e.body);
    }
  }

  return html`<section aria-labelledby="try-title">
    <h2 id="try-title">Try a flow</h2>
    <div class="try-controls">
      <${Select} label="Flow" field="try-flow" value=${flow} placeholder="— pick a flow —" onValue=${setFlow}
        options=${flows.map(f => ({ value: f.id, label: `${f.name} (${f.id})${f.valid ? '' : ' — not valid'}` }))}/>
      <div class=${'drop' + (dragging ? ' dragging' : '')} onDragOver=${e => { e.preventDefault(); setDragging(true); }}
        onDragLeave=${() => setDragging(false)} onDrop=${e => { e.preventDefault(); setDragging(false); add(e.dataTransfer.files); }}>
        <label class="file-button">Pick images (or drop them here)
          <input type="file" accept="image/*" multiple data-field="images" onChange=${e => add(e.target.files)}/></label>
        <span>${images.length ? `${images.length} image${images.length > 1 ? 's' : ''}: ${images.map(i => i.name).join(', ')}` : 'Up to 10 images.'}</span>
        ${images.length > 0 && html`<button type="button" onClick=${() => setImages([])}>Clear</button>`}
      </div>
      <label class="check"><input type="checkbox" checked=${asyncMode} onChange=${e => setAsyncMode(e.target.checked)}/> As an async request</label>
      <button type="button" class="primary" data-action="run" disabled=${!flow || !images.length} onClick=${run}>Run</button>
    </div>
    <p role="status" aria-live="polite" data-testid="run-status">${status}</p>
    ${answer && html`<${Answer} answer=${answer} images=${images}/>`}
  </section>`;
}

function Answer({ answer, images }) {
  const stats = answer.statistics || {};
  const byAction = Object.entries(stats.credits_by_action || {});
  return html`<div class="answer">
    <div class="drawn">
      ${stats.credits !== undefined && html`<p class="credits" data-testid="credits">Credits used: <strong>${stats.credits}</strong>
        ${byAction.length > 0 && html` <span class="muted">(${byAction.map(([a, n]) => `${a}: ${n}`).join(', ')})</span>`}</p>`}
      ${(answer.records || []).map((r, i) => html`<${RecordView} record=${r} image=${images.find(im => im.name === r._id) || images[i]}/>`)}
    </div>
    <details class="raw" open>
      <summary>Raw JSON</summary>
      <pre data-testid="raw-json" tabindex="0">${JSON.stringify(answer, null, 2)}</pre>
    </details>
  </div>`;
}

function RecordView({ record, image }) {
  const f = findings(record);
  const w = record._width;
  const h = record._height;
  const failed = record._status && record._status.code !== 200;
  return html`<article class="record" aria-label=${`Result for ${record._id || 'image'}`}>
    <h3>${record._id || 'image'} ${failed && html`<span class="error">${record._status.code}: ${record._status.text}</span>`}</h3>
    ${image && w && h && html`<div class="picture">
      <img src=${image.src} alt=${record._id || 'processed image'}/>
      <svg class="overlay" viewBox=${`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-label=${`${f.objects.length} objects`}>
        ${f.objects.map((o, i) => {
          const [x1, y1, x2, y2] = o.object.bound_box;
          const c = COLOURS[i % COLOURS.length];
          const size = Math.max(12, Math.round(w / 45));
          return html`<g class="box" data-name=${o.object.name}>
            <rect x=${x1} y=${y1} width=${x2 - x1} height=${y2 - y1} stroke=${c} stroke-width=${Math.max(2, w / 300)} fill="none"/>
            <text x=${x1 + 2} y=${Math.max(size, y1 - 3)} font-size=${size} fill=${c} stroke="white" stroke-width=${size / 6} paint-order="stroke">
              ${o.object.name} ${percent(o.object.prob)}</text>
          </g>`;
        })}
      </svg>
    </div>`}
    <ul class="findings">
      ${f.branches.map(b => html`<li data-kind="branch">Branch taken: <strong>${b.field} → ${b.value}</strong></li>`)}
      ${f.recognitions.map(r => html`<li data-kind="recognition">${r.field}: <strong>${r.label}</strong> ${percent(r.prob)}</li>`)}
      ${f.other.map(o => html`<li>${o.field}: ${o.value}</li>`)}
    </ul>
    ${f.objects.length > 0 && html`<ol class="objects">
      ${f.objects.map((o, i) => html`<li class="object" data-name=${o.object.name}>
        ${image && html`<${Crop} src=${image.src} box=${o.object.bound_box} label=${`${o.object.name} ${i + 1}`}/>`}
        <div><strong style=${`color: ${COLOURS[i % COLOURS.length]}`}>${o.field}: ${o.object.name} ${percent(o.object.prob)}</strong>
          <ul>${summary(o.sub, percent).map(line => html`<li>${line}</li>`)}</ul></div>
      </li>`)}
    </ol>`}
  </article>`;
}

/** The part of the image inside a box, drawn on a small canvas. */
function Crop({ src, box, label }) {
  const canvas = useRef(null);
  useEffect(() => {
    const img = new Image();
    img.onload = () => {
      const [x1, y1, x2, y2] = box;
      const cw = Math.max(1, x2 - x1);
      const ch = Math.max(1, y2 - y1);
      const scale = Math.min(1, 160 / cw, 96 / ch);
      const c = canvas.current;
      if (!c) return;
      c.width = Math.round(cw * scale);
      c.height = Math.round(ch * scale);
      c.getContext('2d').drawImage(img, x1, y1, cw, ch, 0, 0, c.width, c.height);
    };
    img.src = src;
  }, [src, box.join(',')]);
  return html`<canvas ref=${canvas} class="crop" role="img" aria-label=${`crop of ${label}`}></canvas>`;
}
