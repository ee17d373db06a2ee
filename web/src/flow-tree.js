// The flow definition as a tree the editor walks: where each action sits (its JSON path, the same
// paths the API's validation errors name), how to add, move and delete actions, and which node a
// problem belongs to. Pure functions over the plain JSON of DESIGN section 2, so they are unit-tested
// with node --test and the page keeps exactly the JSON the API takes.

/** Every action type of DESIGN section 2, with what a new one starts as. */
export const ACTION_TYPES = {
  list: { label: 'List (parallel or sequence)', make: () => ({ mode: 'parallel', actions: [] }) },
  recognition: { label: 'Recognition', make: () => ({ task: '', output_field: '' }) },
  detection: { label: 'Detection', make: () => ({ task: '', output_field: '' }) },
  branch_selector: { label: 'Branch selector', make: () => ({ task: '', field: '', mode: 'best', branches: [] }) },
  object_selector: { label: 'Object selector', make: () => ({ task: '', output_field: '' }) },
  flow: { label: 'Nested flow', make: () => ({ flow: '' }) },
  service: { label: 'Service', make: () => ({ service: 'dominant_colors', output_field: '' }) },
};

/** Which kind of task an action type picks from, if any. */
export function taskKind(type) {
  return { recognition: 'classification', branch_selector: 'classification', detection: 'detection', object_selector: 'detection' }[type];
}

/** Every id used in the tree (node ids must be unique within a flow). */
export function ids(node, out = new Set()) {
  if (!node) return out;
  if (node.id) out.add(node.id);
  for (const c of children(node)) ids(c.node, out);
  return out;
}

/** A new action of a type, with an id not yet used in the tree under root. */
export function newAction(type, root) {
  const used = ids(root);
  let n = 1;
  while (used.has(`${type}_${n}`)) n++;
  return { type, id: `${type}_${n}`, ...ACTION_TYPES[type].make() };
}

/**
 * The child actions of a node, each with the path segment that leads to it from the node:
 * {node, segment, slot}. slot says where it sits: 'actions' (a list item), 'branch' (a branch's
 * action), 'default' or 'action'.
 */
export function children(node) {
  const out = [];
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node.actions)) {
    node.actions.forEach((a, i) => out.push({ node: a, segment: `actions[${i}]`, slot: 'actions', index: i }));
  }
  if (node.action) out.push({ node: node.action, segment: 'action', slot: 'action' });
  if (Array.isArray(node.branches)) {
    node.branches.forEach((b, i) => b && b.action && out.push({ node: b.action, segment: `branches[${i}].action`, slot: 'branch', index: i }));
  }
  if (node.default) out.push({ node: node.default, segment: 'default', slot: 'default' });
  return out;
}

/** Every node with its JSON path, depth first, starting at "top_node". */
export function walk(root, path = 'top_node', out = []) {
  if (!root) return out;
  out.push({ node: root, path });
  for (const c of children(root)) walk(c.node, `${path}.${c.segment}`, out);
  return out;
}

/**
 * Assigns each problem ({path, message}) to the deepest node whose path is a prefix of it, and
 * says which field of that node it is about: top_node.actions[1].task → node top_node.actions[1],
 * field "task". Problems outside the tree (name, image_size) go to the node path "" (the flow).
 */
export function problemsByNode(root, problems) {
  const paths = walk(root).map(w => w.path).sort((a, b) => b.length - a.length);
  const out = new Map();
  for (const p of problems || []) {
    const path = String(p.path || '');
    const owner = paths.find(n => path === n || path.startsWith(n + '.') || path.startsWith(n + '[')) ?? '';
    const rest = owner ? path.slice(owner.length).replace(/^\./, '') : path;
    if (!out.has(owner)) out.set(owner, []);
    out.get(owner).push({ field: rest, message: p.message, path });
  }
  return out;
}

/** The parent of the node at path, and where in it the node sits; null for the top node. */
export function locate(root, path) {
  for (const { node, path: p } of walk(root)) {
    for (const c of children(node)) {
      if (`${p}.${c.segment}` === path) return { parent: node, parentPath: p, ...c };
    }
  }
  return null;
}

/** Removes the node at path (not the top node: the caller clears that itself). */
export function remove(root, path) {
  const at = locate(root, path);
  if (!at) return false;
  if (at.slot === 'actions') at.parent.actions.splice(at.index, 1);
  else if (at.slot === 'branch') at.parent.branches.splice(at.index, 1);
  else delete at.parent[at.slot];
  return true;
}

/** Moves a list item one place up (-1) or down (+1) among its siblings; false when it cannot. */
export function move(root, path, delta) {
  const at = locate(root, path);
  if (!at || at.slot !== 'actions') return false;
  const list = at.parent.actions;
  const to = at.index + delta;
  if (to < 0 || to >= list.length) return false;
  [list[at.index], list[to]] = [list[to], list[at.index]];
  return true;
}

/**
 * The branch of a selector for a label, added at the end if there is none. The editor adds one
 * only when the user gives the label an action, so the tree has exactly the branches the
 * definition has, at the indices the server's problem paths name.
 */
export function branchFor(node, label) {
  node.branches = node.branches || [];
  let b = node.branches.find(x => x.label === label);
  if (!b) {
    b = { label };
    node.branches.push(b);
  }
  return b;
}

/**
 * The definition as the API takes it: empty fields are dropped, so that a required one missing is
 * named by the API. Branches are kept as they are (a branch without an action is the API's to
 * report), so that problem paths and tree paths stay the same.
 */
export function toDefinition(flow) {
  const clean = node => {
    if (!node || typeof node !== 'object') return node;
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      if (v === '' || v === null || v === undefined) continue;
      if (k === 'actions') out.actions = v.map(clean);
      else if (k === 'action' || k === 'default') out[k] = clean(v);
      else if (k === 'branches') {
        out.branches = v.map(b => (b && b.action ? { ...b, action: clean(b.action) } : b));
      } else out[k] = v;
    }
    return out;
  };
  const out = { name: flow.name ?? '', description: flow.description ?? '' };
  if (flow.image_size) out.image_size = Number(flow.image_size);
  out.top_node = clean(flow.top_node);
  if (!out.top_node) delete out.top_node;
  return out;
}

/** A definition from imported JSON (a flow entity, GET …/json, or a bare definition). */
export function fromJson(json) {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new Error('a flow definition is a JSON object');
  return {
    name: json.name ?? '',
    description: json.description ?? '',
    image_size: json.image_size ?? '',
    top_node: json.top_node ?? null,
  };
}
