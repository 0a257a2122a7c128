import { isMap, isNode, isScalar, isSeq, type Document, type LineCounter } from 'yaml';
import type { Path } from './fields.js';

/** 1-based line of the node at `path` (a map entry's key line), or of its closest existing ancestor. */
export function lineOf(doc: Document, counter: LineCounter, path: Path): number | null {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(part));
      if (!pair) break;
      offset = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item: unknown = node.items[part];
      if (!isNode(item)) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? null : counter.linePos(offset).line;
}
