// The small shared pieces of the page: htm bound to preact, and a few form controls that keep
// their label, their error and their accessibility wiring in one place.
import { h } from 'preact';
import { useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

let counter = 0;
/** A fresh id for label/for and aria-describedby pairs. */
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/**
 * A labelled text or number input; error (a string) marks it invalid and is read out with it. A
 * number is typed as text ("0." on the way to "0.6") and handed on as a number once it is one; what
 * is not a number is handed on as typed, for the server to name.
 */
export function Field({ label, value, onValue, type = 'text', field, error, ...rest }) {
  const [id] = useState(() => uid(field || 'field'));
  const [raw, setRaw] = useState(value ?? '');
  const numeric = type === 'number';
  const parse = text => (text.trim() === '' ? '' : Number.isFinite(Number(text)) ? Number(text) : text);
  // the value changed from outside (an import, a reset): show it
  const shown = numeric && parse(String(raw)) !== (value ?? '') ? (value ?? '') : numeric ? raw : value ?? '';
  const input = e => {
    if (!numeric) return onValue(e.target.value);
    setRaw(e.target.value);
    onValue(parse(e.target.value));
  };
  const errorId = error ? id + '-error' : undefined;
  return html`<label class="field" for=${id}>
    <span>${label}</span>
    <input id=${id} type=${numeric ? 'text' : type} inputmode=${numeric ? 'decimal' : undefined} value=${shown}
      data-field=${field} onInput=${input}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${errorId} ...${rest}/>
    ${error && html`<span class="error" id=${errorId}>${error}</span>`}
  </label>`;
}

/** A labelled select of {value, label} options. */
export function Select({ label, value, onValue, options, field, error, placeholder, ...rest }) {
  const [id] = useState(() => uid(field || 'select'));
  const errorId = error ? id + '-error' : undefined;
  return html`<label class="field" for=${id}>
    <span>${label}</span>
    <select id=${id} data-field=${field} onChange=${e => onValue(e.target.value)}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${errorId} ...${rest}>
      ${placeholder !== undefined && html`<option value="" selected=${!value}>${placeholder}</option>`}
      ${options.map(o => html`<option value=${o.value} selected=${o.value === value}>${o.label}</option>`)}
    </select>
    ${error && html`<span class="error" id=${errorId}>${error}</span>`}
  </label>`;
}

/** A problem message for display: the field it is about (if any) and the message. */
export function describe(problem) {
  return problem.field ? `${problem.field}: ${problem.message}` : problem.message;
}

/** "93%" for a probability. */
export function percent(p) {
  return `${Math.round(Number(p) * 100)}%`;
}
