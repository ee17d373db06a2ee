import { test } from 'node:test';
import assert from 'node:assert/strict';
import { everyDay } from './usage.js';
import { walk, problemsByNode, remove, move, newAction, toDefinition, fromJson, branchFor } from './flow-tree.js';

const fashion = () => ({
  type: 'object_selector', id: 'items', task: 'det', output_field: 'items',
  action: { type: 'branch_selector', id: 'kind', task: 'cls', field: 'kind', mode: 'best', branches: [
    { label: 'Shirt', action: { type: 'list', id: 'shirt', actions: [
      { type: 'recognition', id: 'sleeve', task: 'cls2', output_field: 'sleeve' },
      { type: 'service', id: 'colours', service: 'dominant_colors', output_field: 'colours' }] } },
    { label: 'Pants' }] },
  default: undefined,
});

test('walk gives every node the JSON path the API names', () => {
  assert.deepEqual(walk(fashion()).map(w => w.path), [
    'top_node', 'top_node.action', 'top_node.action.branches[0].action',
    'top_node.action.branches[0].action.actions[0]', 'top_node.action.branches[0].action.actions[1]']);
});

test('problems go to the deepest node whose path they start with', () => {
  const byNode = problemsByNode(fashion(), [
    { path: 'top_node.action.branches[0].action.actions[1].params.count', message: 'too many' },
    { path: 'top_node.action.branches[1].label', message: 'not a label' },
    { path: 'top_node.action.branches[0].action.actions[10].task', message: 'not in the tree' },
    { path: 'name', message: 'is required' }]);
  assert.deepEqual(byNode.get('top_node.action.branches[0].action.actions[1]'), [{ field: 'params.count', message: 'too many', path: 'top_node.action.branches[0].action.actions[1].params.count' }]);
  assert.equal(byNode.get('top_node.action')[0].field, 'branches[1].label');
  assert.equal(byNode.get('top_node.action.branches[0].action')[0].field, 'actions[10].task');
  assert.equal(byNode.get('')[0].field, 'name');
});

test('move swaps list siblings and refuses at the ends; remove empties a slot', () => {
  const root = fashion();
  assert.equal(move(root, 'top_node.action.branches[0].action.actions[0]', -1), false);
  assert.equal(move(root, 'top_node.action.branches[0].action.actions[0]', 1), true);
  assert.deepEqual(root.action.branches[0].action.actions.map(a => a.id), ['colours', 'sleeve']);
  assert.equal(move(root, 'top_node.action', 1), false);
  assert.equal(remove(root, 'top_node.action.branches[0].action.actions[1]'), true);
  assert.equal(root.action.branches[0].action.actions.length, 1);
  assert.equal(remove(root, 'top_node.action.branches[0].action'), true);
  assert.deepEqual(root.action.branches, [{ label: 'Pants' }]);
  assert.equal(remove(root, 'top_node.action'), true);
  assert.equal(root.action, undefined);
});

test('new actions get ids not yet used in the flow', () => {
  const root = { type: 'list', id: 'recognition_1', actions: [{ type: 'recognition', id: 'recognition_2' }] };
  assert.equal(newAction('recognition', root).id, 'recognition_3');
  assert.equal(newAction('list', root).id, 'list_1');
});

test('the definition leaves out empty fields and keeps branches where the tree has them', () => {
  const root = fashion();
  branchFor(root, 'person').action = { type: 'detection', id: 'd', task: '', output_field: 'x' };
  assert.equal(branchFor(root, 'person'), root.branches[0]);
  const def = toDefinition({ name: 'f', description: '', image_size: '', top_node: root });
  assert.deepEqual(Object.keys(def), ['name', 'description', 'top_node']);
  assert.deepEqual(def.top_node.action.branches.map(b => b.label), ['Shirt', 'Pants']);
  assert.deepEqual(def.top_node.branches, [{ label: 'person', action: { type: 'detection', id: 'd', output_field: 'x' } }]);
  assert.deepEqual(toDefinition({ name: 'b', top_node: { type: 'branch_selector', id: 'b', task: '', branches: [] } }).top_node,
    { type: 'branch_selector', id: 'b', branches: [] });
  assert.throws(() => fromJson([1]));
  assert.equal(fromJson({ id: 'x', name: 'n', top_node: { type: 'flow' } }).top_node.type, 'flow');
});

test('the usage chart has a bar for every day of the range', () => {
  const days = everyDay('2026-02-27', '2026-03-02', [{ day: '2026-03-01', credits: 4 }]);
  assert.deepEqual(days.map(d => d.day), ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  assert.deepEqual(days.map(d => d.credits), [0, 0, 4, 0]);
});
