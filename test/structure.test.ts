// The shape of src/ (../shared/DESIGN.md, "Layout of the code"): imports point
// down the layers — no tracer, consumer, format or shared-vocabulary module
// imports the daemon or the CLI, the daemon does not import the CLI — and no
// two files import each other, directly or round a longer cycle. Imports are
// read as TypeScript reads them (static, `export … from`, `import type`,
// `import('…')` with a literal); type-only imports count: they are dependencies too.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';
import { REPO, tempDir } from './helpers.js';

/** folders under src/ that may import neither src/sessiond/ nor src/cli/ */
const BELOW_DAEMON = ['kernel', 'ust', 'ctf', 'ringbuffer', 'filter', 'output', 'ust-consumer', 'ctl'];
/** folder → folders it may not import */
const FORBIDDEN: Record<string, string[]> = {
  ...Object.fromEntries(BELOW_DAEMON.map((d) => [d, ['sessiond', 'cli']])),
  sessiond: ['cli'],
};

type Graph = Map<string, string[]>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/** './x.js' from `from` → the .ts file it names (undefined for packages and node: modules) */
function resolve(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), base, `${base}.ts`, path.join(base, 'index.ts')];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** file (relative to `root`'s parent, e.g. src/kernel/page.ts) → the files it imports */
function importGraph(root: string): { graph: Graph; unresolved: string[] } {
  const top = path.dirname(root);
  const rel = (f: string) => path.relative(top, f).split(path.sep).join('/');
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const f of sourceFiles(root)) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    const deps = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      const target = resolve(f, fileName);
      if (target) deps.add(rel(target));
      else if (fileName.startsWith('.')) unresolved.push(`${rel(f)}: ${fileName}`);
    }
    graph.set(rel(f), [...deps].sort());
  }
  return { graph, unresolved };
}

/** imports that go up the layers, as "a imports b" lines */
function layerViolations(graph: Graph): string[] {
  const folder = (f: string) => f.split('/')[1] ?? '';
  const out: string[] = [];
  for (const [f, deps] of graph) {
    const banned = FORBIDDEN[folder(f)] ?? [];
    for (const d of deps) if (banned.includes(folder(d))) out.push(`${f} imports ${d} (src/${folder(f)}/ may not import src/${folder(d)}/)`);
  }
  return out;
}

/** one cycle per strongly connected component of more than one file (or a file importing itself), as "a → b → a" */
function cycles(graph: Graph): string[] {
  // Tarjan's algorithm, iterative-free recursion is fine at this size
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const sccs: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      sccs.push(scc);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  const out: string[] = [];
  for (const scc of sccs) {
    const members = new Set(scc);
    const start = [...scc].sort()[0]!;
    if (scc.length === 1 && !(graph.get(start) ?? []).includes(start)) continue;
    // shortest way back to `start` inside the component (breadth first)
    const prev = new Map<string, string>();
    const queue = [start];
    let found = false;
    while (queue.length && !found) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!members.has(w)) continue;
        if (w === start) {
          prev.set(start, v);
          found = true;
          break;
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    const loop = [start];
    for (let v = prev.get(start)!; v !== start; v = prev.get(v)!) loop.unshift(v);
    loop.unshift(start);
    const more = scc.length > loop.length - 1 ? ` (${scc.length} files in this tangle: ${[...scc].sort().join(', ')})` : '';
    out.push(loop.join(' → ') + more);
  }
  return out.sort();
}

test('the checker finds an upward import, a cycle and a self-import in a made-up tree', () => {
  const tmp = tempDir('ttng-structure-');
  try {
    const src = path.join(tmp.dir, 'src');
    const write = (f: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
      fs.writeFileSync(path.join(src, f), text);
    };
    write('kernel/a.ts', "import type { S } from '../sessiond/s.js';\nexport const a = 1;\n");
    write('sessiond/s.ts', "export type S = number;\nexport { b } from './b.js';\nexport const m = () => import('../cli/main.js');\n");
    write('sessiond/b.ts', "import { c } from './c.js';\nexport const b = c;\n");
    write('sessiond/c.ts', "// import { nothing } from './a.js';\nimport { b } from './b.js';\nexport const c = 1; void b;\n");
    write('cli/main.ts', "import './main.js';\nimport * as fs from 'node:fs';\nvoid fs;\n");
    const { graph, unresolved } = importGraph(src);
    assert.deepEqual(unresolved, []);
    assert.deepEqual(layerViolations(graph), [
      'src/kernel/a.ts imports src/sessiond/s.ts (src/kernel/ may not import src/sessiond/)',
      'src/sessiond/s.ts imports src/cli/main.ts (src/sessiond/ may not import src/cli/)',
    ]);
    assert.deepEqual(cycles(graph), [
      'src/cli/main.ts → src/cli/main.ts',
      'src/sessiond/b.ts → src/sessiond/c.ts → src/sessiond/b.ts',
    ]);
  } finally {
    tmp.remove();
  }
});

test("src/: no import goes up the layers (tracers, consumers, formats and src/ctl/ never import the daemon or the CLI; the daemon never the CLI)", () => {
  const { graph, unresolved } = importGraph(path.join(REPO, 'src'));
  assert.ok(graph.size > 50, `${graph.size} files under src/`);
  assert.deepEqual(unresolved, [], 'relative imports that name no file');
  const bad = layerViolations(graph);
  assert.deepEqual(bad, [], `imports against the layers:\n${bad.join('\n')}`);
});

test('src/: no import cycle between files', () => {
  const { graph } = importGraph(path.join(REPO, 'src'));
  const found = cycles(graph);
  assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});
