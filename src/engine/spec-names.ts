// Layer names: a pasted Net's module paths ("convblock1.0", "fc"), checked so that the names
// form a Net PyTorch can have and its state_dict keys come out the same.
import { SpecError, type LayerInfo } from './spec-types';

/** Names that cannot be a Net attribute: Python keywords and nn.Module's own attributes. */
const RESERVED = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda ' +
    'nonlocal not or pass raise return try while with yield self training forward train eval parameters modules children state_dict ' +
    'load_state_dict to cuda cpu float double half apply zero_grad register_buffer named_parameters buffers'
  ).split(' '),
);

/** A module path: an attribute, then nn.Sequential indices ("convblock1.0", "fc", "layer.0.1"). */
export function checkName(index: number, type: string, name: unknown): void {
  const where = `layer ${index} (${type})`;
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*(\.(0|[1-9][0-9]*))*$/.test(name))
    throw new SpecError(
      `${where}: name ${JSON.stringify(name)} is not a module path; it is an attribute name, then nn.Sequential indices, e.g. "convblock1.0" or "fc"`,
    );
  const head = name.split('.')[0];
  if (RESERVED.has(head)) throw new SpecError(`${where}: name "${name}" cannot be a module attribute ("${head}" is reserved in Python or nn.Module)`);
}

/**
 * Named layers must form a Net that PyTorch can have: each attribute's layers consecutive (it is
 * one module, called once), an nn.Sequential's children numbered 0, 1, 2, … in order, and every
 * layer with parameters named when any is (an unnamed one would have no state_dict name).
 */
export function checkNames(layers: LayerInfo[]): void {
  if (!layers.some((l) => l.name !== undefined)) return;
  const seen = new Map<string, number>();
  for (const l of layers) {
    if (l.name === undefined) {
      if (l.params.length || l.buffers.length)
        throw new SpecError(
          `layer ${l.index} (${l.type}) has parameters but no "name", while other layers are named; name every layer with parameters (its state_dict prefix), or none`,
        );
      continue;
    }
    const j = seen.get(l.name);
    if (j !== undefined) throw new SpecError(`layer ${l.index} (${l.type}): name "${l.name}" is also layer ${j}'s; names must be unique`);
    seen.set(l.name, l.index);
  }
  const group = (items: LayerInfo[], depth: number, path: string): void => {
    const segs = (l: LayerInfo) => l.name!.split('.');
    const leaf = items.find((l) => segs(l).length === depth);
    if (leaf && items.length > 1) {
      const other = items.find((l) => l !== leaf)!;
      throw new SpecError(`layer ${other.index} (${other.type}): "${other.name}" puts a layer inside "${path}", which is layer ${leaf.index} itself`);
    }
    if (leaf) return;
    // Children of one nn.Sequential: runs of equal index, numbered 0, 1, 2, … in order.
    let expected = 0;
    for (let i = 0; i < items.length;) {
      const seg = segs(items[i])[depth];
      if (seg !== String(expected))
        throw new SpecError(
          `layer ${items[i].index} (${items[i].type}): "${items[i].name}" should be "${path}.${expected}${segs(items[i]).length > depth + 1 ? '…' : ''}": an nn.Sequential numbers its layers 0, 1, 2, … in order`,
        );
      let j = i;
      while (j < items.length && segs(items[j])[depth] === seg) j++;
      group(items.slice(i, j), depth + 1, `${path}.${seg}`);
      i = j;
      expected++;
    }
  };
  // Top level: consecutive layers with the same attribute form one module.
  const done = new Map<string, number>();
  for (let i = 0; i < layers.length;) {
    const name = layers[i].name;
    if (name === undefined) {
      i++;
      continue;
    }
    const head = name.split('.')[0];
    const before = done.get(head);
    if (before !== undefined)
      throw new SpecError(
        `layer ${layers[i].index} (${layers[i].type}): "${name}" continues module "${head}" after other layers; a module's layers must be consecutive (it is called once in forward), and "${head}" ended at layer ${before}`,
      );
    let j = i;
    while (j < layers.length && layers[j].name?.split('.')[0] === head) j++;
    group(layers.slice(i, j), 1, head);
    done.set(head, j - 1);
    i = j;
  }
}
