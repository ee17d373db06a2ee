// What a processed record says, read generically from the result formats of DESIGN section 1:
// detected objects (lists of {name, prob, bound_box}, with the sub-results an object selector
// merged into each), recognitions ({best_label, labels}) and branch labels (strings).

const OBJECT_KEYS = new Set(['id', 'name', 'prob', 'bound_box']);

function isObjectList(v) {
  return Array.isArray(v) && v.length > 0 && v.every(o => o && typeof o === 'object' && Array.isArray(o.bound_box));
}

function isRecognition(v) {
  return v && typeof v === 'object' && !Array.isArray(v) && v.best_label && typeof v.best_label === 'object';
}

/**
 * The findings of one record (or of one object's sub-results): {objects: [{field, object, sub}],
 * recognitions: [{field, label, prob}], branches: [{field, value}], other: [{field, value}]}.
 */
export function findings(record) {
  const out = { objects: [], recognitions: [], branches: [], other: [] };
  for (const [field, value] of Object.entries(record || {})) {
    if (field.startsWith('_') || OBJECT_KEYS.has(field) && record.bound_box) continue;
    if (isObjectList(value)) {
      for (const object of value) {
        const sub = Object.fromEntries(Object.entries(object).filter(([k]) => !OBJECT_KEYS.has(k)));
        out.objects.push({ field, object, sub: findings(sub) });
      }
    } else if (Array.isArray(value) && value.length === 0) {
      out.other.push({ field, value: 'nothing found' });
    } else if (isRecognition(value)) {
      out.recognitions.push({ field, label: value.best_label.name, prob: value.best_label.prob });
    } else if (typeof value === 'string' || (Array.isArray(value) && value.every(v => typeof v === 'string'))) {
      out.branches.push({ field, value: Array.isArray(value) ? value.join(', ') : value });
    } else {
      out.other.push({ field, value: typeof value === 'object' ? JSON.stringify(value).slice(0, 200) : String(value) });
    }
  }
  return out;
}

/** One line per sub-result of an object ("orientation: 180 (99%)"), nested results flattened. */
export function summary(f, percent) {
  const lines = [];
  f.branches.forEach(b => lines.push(`${b.field} → ${b.value}`));
  f.recognitions.forEach(r => lines.push(`${r.field}: ${r.label} (${percent(r.prob)})`));
  f.objects.forEach(o => lines.push(`${o.field}: ${o.object.name} (${percent(o.object.prob)})`));
  f.other.forEach(o => lines.push(`${o.field}: ${o.value}`));
  return lines;
}
