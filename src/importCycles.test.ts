import fs from 'fs';
import path from 'path';
import ts from 'typescript';

// A cycle among the plugin's modules makes their load order matter; type-only
// imports count too, since they still tie the modules' designs together.
const SRC = __dirname;

function modules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return modules(file);
    }
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [file] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) {
    return undefined;
  }
  const base = path.resolve(path.dirname(from), specifier);
  return [base, `${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), path.join(base, 'index.tsx')].find(
    (candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile()
  );
}

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of modules(SRC)) {
    const imports = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true).importedFiles;
    graph.set(
      file,
      imports.map((i) => resolve(file, i.fileName)).filter((f): f is string => f !== undefined)
    );
  }
  return graph;
}

/** Each cycle once, as the chain of modules from its first member back to it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (file: string, chain: string[]) => {
    const at = chain.indexOf(file);
    if (at >= 0) {
      found.push([...chain.slice(at), file].map((f) => path.relative(SRC, f)));
      return;
    }
    if (done.has(file)) {
      return;
    }
    for (const next of graph.get(file) ?? []) {
      visit(next, [...chain, file]);
    }
    done.add(file);
  };
  for (const file of graph.keys()) {
    visit(file, []);
  }
  return found;
}

describe('imports of src/', () => {
  it('finds a cycle when there is one', () => {
    const graph = new Map([
      ['/a', ['/b']],
      ['/b', ['/c']],
      ['/c', ['/a']],
    ]);
    expect(cycles(graph)).toHaveLength(1);
  });

  it('form no cycle', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(20);
    expect(cycles(graph)).toEqual([]);
  });
});
