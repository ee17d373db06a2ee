// Usage: credits per day and per flow (GET /account/v2/usage), as bar charts drawn in SVG, with
// the same numbers in a table for screen readers and copying.
import { useEffect, useState } from 'preact/hooks';
import { html } from './ui.js';

/** Every day from..to (YYYY-MM-DD), with the credits of the days that have some. */
export function everyDay(from, to, days) {
  const credits = new Map(days.map(d => [d.day, d.credits]));
  const out = [];
  for (let t = Date.parse(from + 'T00:00:00Z'); t <= Date.parse(to + 'T00:00:00Z') && out.length < 400; t += 86400000) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push({ day, credits: credits.get(day) || 0 });
  }
  return out;
}

export function UsageView({ api, flows: known = [] }) {
  const [usage, setUsage] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api.usage().then(setUsage, e => setError(e.message));
  }, []);
  if (error) return html`<p class="error">${error}</p>`;
  if (!usage) return html`<p>Loading…</p>`;
  const days = everyDay(usage.from, usage.to, usage.days || []);
  const name = id => known.find(f => f.id === id)?.name || id;
  const flows = (usage.flows || []).map(f => ({ ...f, name: name(f.flow) }));
  return html`<section aria-labelledby="usage-title">
    <h2 id="usage-title">Usage</h2>
    <p data-testid="usage-total">${usage.total} credits from ${usage.from} to ${usage.to}.</p>
    <div class="charts">
      <figure>
        <figcaption>Credits per day</figcaption>
        <${Bars} items=${days.map((d, i) => ({ label: i % 5 === 0 || i === days.length - 1 ? d.day.slice(5) : '', title: d.day, value: d.credits }))} testid="usage-days"/>
      </figure>
      <figure>
        <figcaption>Credits per flow</figcaption>
        <${Bars} items=${flows.map(f => ({ label: f.name, title: f.flow, value: f.credits }))} horizontal testid="usage-flows"/>
      </figure>
    </div>
    <table class="list"><caption>Credits per flow</caption>
      <thead><tr><th scope="col">Flow</th><th scope="col">Id</th><th scope="col">Credits</th></tr></thead>
      <tbody>${flows.map(f => html`<tr><td>${f.name}</td><td><code>${f.flow}</code></td><td>${f.credits}</td></tr>`)}</tbody>
    </table>
  </section>`;
}

/** A bar chart: vertical bars (days) or horizontal ones (flows, whose names are long). */
function Bars({ items, horizontal, testid }) {
  if (!items.length) return html`<p>No credits used yet.</p>`;
  const max = Math.max(1, ...items.map(i => i.value));
  if (horizontal) {
    const row = 26;
    return html`<svg class="chart" data-testid=${testid} viewBox=${`0 0 480 ${items.length * row + 4}`} role="img"
      aria-label=${items.map(i => `${i.title}: ${i.value}`).join(', ')}>
      ${items.map((item, i) => html`<g class="bar">
        <title>${item.title}: ${item.value} credits</title>
        <text x="0" y=${i * row + 17} font-size="12">${item.label.length > 24 ? item.label.slice(0, 23) + '…' : item.label}</text>
        <rect x="170" y=${i * row + 4} height=${row - 8} width=${Math.max(1, (item.value / max) * 260)} fill="#2e86ab"/>
        <text x=${176 + (item.value / max) * 260} y=${i * row + 17} font-size="12">${item.value}</text>
      </g>`)}
    </svg>`;
  }
  const width = Math.max(300, items.length * 36);
  const bar = width / items.length;
  return html`<svg class="chart" data-testid=${testid} viewBox=${`0 0 ${width} 180`} role="img"
    aria-label=${items.map(i => `${i.title}: ${i.value}`).join(', ')}>
    ${items.map((item, i) => {
      const h = (item.value / max) * 140;
      return html`<g class="bar">
        <title>${item.title}: ${item.value} credits</title>
        <rect x=${i * bar + 4} y=${155 - h} width=${bar - 8} height=${h} fill="#1b998b"/>
        ${item.value > 0 && html`<text x=${i * bar + bar / 2} y=${150 - h} font-size="11" text-anchor="middle">${item.value}</text>`}
        <text x=${i * bar + bar / 2} y="172" font-size="11" text-anchor="middle">${item.label}</text>
      </g>`;
    })}
  </svg>`;
}
