// A V8 heap snapshot taken over CDP, summarised as self size and count per kind of object, so two
// snapshots (before and after the clients connect) can be subtracted. Plain objects are told
// apart by their first property names (`Object{publicName,room,…}`), strings by a short prefix
// with digits masked, closures by their function name.
import type { Inspector } from './inspector.js';

export type Summary = Map<string, { count: number; bytes: number }>;

interface RawSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

export async function takeSnapshot(inspector: Inspector): Promise<Summary> {
  const chunks: string[] = [];
  inspector.on('HeapProfiler.addHeapSnapshotChunk', (p) => chunks.push((p as { chunk: string }).chunk));
  await inspector.send('HeapProfiler.enable');
  await inspector.send('HeapProfiler.collectGarbage');
  await inspector.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  return summarise(JSON.parse(chunks.join('')) as RawSnapshot);
}

export function summarise(snap: RawSnapshot): Summary {
  const { node_fields: nf, node_types: nt, edge_fields: ef, edge_types: et } = snap.snapshot.meta;
  const N = nf.length;
  const E = ef.length;
  const [typeI, nameI, sizeI, edgeCountI] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number, number, number];
  const [eTypeI, eNameI] = ['type', 'name_or_index'].map((f) => ef.indexOf(f)) as [number, number];
  const nodeTypes = nt[0];
  const edgeTypes = et[0];
  const out: Summary = new Map();
  let edge = 0;
  for (let n = 0; n < snap.nodes.length; n += N) {
    const type = nodeTypes[snap.nodes[n + typeI]!]!;
    const name = snap.strings[snap.nodes[n + nameI]!]!;
    const edges = snap.nodes[n + edgeCountI]!;
    let key: string;
    if (type === 'object' && name === 'Object') {
      const props: string[] = [];
      for (let e = edge; e < edge + edges * E && props.length < 5; e += E) {
        if (edgeTypes[snap.edges[e + eTypeI]!] === 'property') props.push(snap.strings[snap.edges[e + eNameI]!]!);
      }
      key = `Object{${props.join(',')}}`;
    } else if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      key = `string "${name.slice(0, 14).replace(/\d/g, '#')}…"`;
    } else if (type === 'closure') {
      key = `closure ${name || '(anonymous)'}`;
    } else {
      key = `${type} ${name}`;
    }
    edge += edges * E;
    const agg = out.get(key) ?? { count: 0, bytes: 0 };
    agg.count++;
    agg.bytes += snap.nodes[n + sizeI]!;
    out.set(key, agg);
  }
  return out;
}

/** after − before, per connection, largest byte growth first. */
export function perConnection(before: Summary, after: Summary, connections: number): { key: string; count: number; bytes: number }[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .map((key) => {
      const a = after.get(key) ?? { count: 0, bytes: 0 };
      const b = before.get(key) ?? { count: 0, bytes: 0 };
      return { key, count: (a.count - b.count) / connections, bytes: (a.bytes - b.bytes) / connections };
    })
    .sort((x, y) => y.bytes - x.bytes);
}
