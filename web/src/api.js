// The public Visionflow API (DESIGN section 1), and nothing else: the page holds no secrets of its
// own and can be served from anywhere that can reach the API.

/** An answer that was not 2xx: the envelope's status, its detail and every problem's path. */
export class ApiError extends Error {
  constructor(status, body, text) {
    super(body?.detail || body?.status?.detail || text || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.errors = body?.status?.errors || [];
  }
}

/** A client for one API address and token. */
export function client(base, token) {
  const root = base.endsWith('/') ? base : base + '/';
  async function call(method, path, body, contentType) {
    const headers = { Authorization: `Token ${token}` };
    let payload;
    if (body instanceof Blob || body instanceof ArrayBuffer) {
      payload = body;
      headers['Content-Type'] = contentType || 'application/octet-stream';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const response = await fetch(new URL(path.replace(/^\//, ''), root), { method, headers, body: payload });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: the text says what went wrong
    }
    if (!response.ok) throw new ApiError(response.status, json, text);
    return json;
  }

  /** Every item of a paginated listing ({count, next, previous, results}). */
  async function all(path) {
    const out = [];
    for (let page = 1; ; page++) {
      const p = await call('GET', `${path}?page=${page}&page_size=100`);
      out.push(...p.results);
      if (!p.next) return out;
    }
  }

  return {
    base: root,
    call,
    authorize: () => call('POST', '/authorization/v2/authorize', { service: 'flows' }),
    flows: () => all('/flows/v2/flow/'),
    tasks: async () => [...await all('/recognition/v2/task/'), ...await all('/detection/v2/task/')],
    validate: (definition, id) => call('POST', '/flows/v2/validate' + (id ? `?id=${encodeURIComponent(id)}` : ''), definition),
    saveFlow: (definition, id) => id ? call('PUT', `/flows/v2/flow/${encodeURIComponent(id)}`, definition) : call('POST', '/flows/v2/flow/', definition),
    deleteFlow: id => call('DELETE', `/flows/v2/flow/${encodeURIComponent(id)}`),
    flowJson: id => call('GET', `/flows/v2/flow/${encodeURIComponent(id)}/json`),
    uploadModel: file => call('POST', '/models/v2/model/', file),
    createTask: (kind, body) => call('POST', kind === 'detection' ? '/detection/v2/task/' : '/recognition/v2/task/', body),
    process: (flow, records) => call('POST', '/flows/v2/process', { flow, records }),
    submit: (flow, records) => call('POST', '/account/v2/request/', { type: 'flows', flow, records }),
    request: id => call('GET', `/account/v2/request/${encodeURIComponent(id)}`),
    usage: () => call('GET', '/account/v2/usage'),
  };
}
