// Which source files define a step: its entry module and every local module reachable through
// static imports. Their hashes go into the step's key, so editing any of them (and only them)
// invalidates the step. Imports of npm packages are recorded as package versions instead.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { sha256 } from './cache.ts';

export interface SourceClosure {
  /** repo-relative path -> SHA-256 of its content */
  sources: Record<string, string>;
  /** npm package name -> installed version */
  packages: Record<string, string>;
}

interface FileFacts {
  hash: string;
  localImports: string[];
  packageImports: string[];
}

export class SourceHasher {
  private readonly facts = new Map<string, Promise<FileFacts>>();
  private readonly versions = new Map<string, string>();
  private readonly require: NodeRequire;

  constructor(readonly repoRoot: string) {
    this.require = createRequire(join(resolve(repoRoot), 'package.json'));
  }

  async closure(entries: string[]): Promise<SourceClosure> {
    const sources: Record<string, string> = {};
    const packages: Record<string, string> = {};
    const queue = entries.map((e) => toRepoPath(e));
    while (queue.length > 0) {
      const file = queue.pop()!;
      if (file in sources) continue;
      const facts = await this.read(file);
      sources[file] = facts.hash;
      queue.push(...facts.localImports);
      for (const name of facts.packageImports) packages[name] = this.packageVersion(name);
    }
    return { sources: sortKeys(sources), packages: sortKeys(packages) };
  }

  private read(file: string): Promise<FileFacts> {
    let pending = this.facts.get(file);
    if (!pending) {
      pending = this.scan(file);
      this.facts.set(file, pending);
    }
    return pending;
  }

  private async scan(file: string): Promise<FileFacts> {
    const text = await readFile(join(this.repoRoot, file), 'utf8').catch(() => {
      throw new Error(`source file ${file} not found (imported by a step)`);
    });
    const localImports: string[] = [];
    const packageImports: string[] = [];
    for (const spec of runtimeImports(file, text)) {
      if (spec.startsWith('.')) {
        localImports.push(posix.normalize(posix.join(posix.dirname(file), spec)));
      } else if (!spec.startsWith('node:')) {
        packageImports.push(packageName(spec));
      }
    }
    return { hash: sha256(text), localImports, packageImports };
  }

  private packageVersion(name: string): string {
    let version = this.versions.get(name);
    if (version === undefined) {
      try {
        const manifest = this.require(`${name}/package.json`) as { version: string };
        version = manifest.version;
      } catch {
        // packages that hide package.json behind "exports": find it next to the resolved entry
        version = this.versionFromEntry(name);
      }
      this.versions.set(name, version);
    }
    return version;
  }

  private versionFromEntry(name: string): string {
    try {
      let dir = dirname(this.require.resolve(name));
      while (dir !== dirname(dir)) {
        try {
          const manifest = this.require(join(dir, 'package.json')) as { name?: string; version?: string };
          if (manifest.name === name && manifest.version) return manifest.version;
        } catch {
          // keep walking up
        }
        dir = dirname(dir);
      }
    } catch {
      // not installed: an optional dependency that is absent is part of the fingerprint too
    }
    return 'absent';
  }
}

/**
 * The specifiers a module loads at run time: static imports and re-exports (type-only ones
 * excluded: they vanish when the code runs, so editing a type must not invalidate results) and
 * dynamic `import('...')` calls with a literal specifier.
 */
export function runtimeImports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const specs: string[] = [];
  const literal = (node: ts.Node | undefined): string | null => (node && ts.isStringLiteral(node) ? node.text : null);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (!clause.name && bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly)));
      const spec = literal(node.moduleSpecifier);
      if (spec && !onlyTypes) specs.push(spec);
      return;
    }
    if (ts.isExportDeclaration(node)) {
      const spec = literal(node.moduleSpecifier);
      const onlyTypes =
        node.isTypeOnly || (node.exportClause !== undefined && ts.isNamedExports(node.exportClause) && node.exportClause.elements.every((e) => e.isTypeOnly));
      if (spec && !onlyTypes) specs.push(spec);
      return;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = literal(node.arguments[0]);
      if (spec) specs.push(spec);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specs;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function toRepoPath(path: string): string {
  return path.split(sep).join('/').replace(/^\.\//, '');
}

function sortKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function repoRelative(repoRoot: string, absolute: string): string {
  return toRepoPath(relative(repoRoot, absolute));
}
