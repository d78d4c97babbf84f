// The site's client code as classic scripts. A browser refuses module scripts (what Astro makes of
// a page's own <script>) on a page opened from disk, so every file directly in src/scripts/ is
// bundled, with everything it imports, into one self-contained classic script,
// <assets>/<name>-<hash>.js, and a page loads it by name:
//
//   import { clientScript } from 'virtual:client-scripts';
//   <script is:inline defer src={clientScript('embed')}></script>
//
// The URL is root-absolute like every other internal link; the relative-links pass makes it
// relative. The scripts are bundled once per build, before any page is rendered, and written into
// the output folder when the build is done.
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { AstroIntegration } from 'astro';
import { build } from 'esbuild';

const SCRIPTS = 'src/scripts';
const VIRTUAL = 'virtual:client-scripts';
const RESOLVED = `\0${VIRTUAL}`;

type DevHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

interface Bundle {
  name: string;
  file: string;
  contents: Uint8Array;
}

/** Bundles one entry as a minified classic script (an IIFE) named by its content hash. */
async function bundle(entry: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    // the licences of the bundled libraries stay with them, at the end of the file
    legalComments: 'eof',
    write: false,
    outdir: 'out',
    entryNames: '[name]-[hash]',
    logLevel: 'silent',
  });
  const output = result.outputFiles.find((file) => file.path.endsWith('.js'));
  if (!output) throw new Error(`client scripts: bundling ${entry} produced no script`);
  return { name: basename(entry, extname(entry)), file: basename(output.path), contents: output.contents };
}

/** The module pages import: clientScript(name) -> the script's URL; an unknown name fails the build. */
function virtualModule(urls: Record<string, string>): string {
  return [
    `const urls = ${JSON.stringify(urls)};`,
    'export function clientScript(name) {',
    '  const url = urls[name];',
    `  if (!url) throw new Error(\`no client script "\${name}" in ${SCRIPTS}/ (there are: \${Object.keys(urls).join(', ') || 'none'})\`);`,
    '  return url;',
    '}',
  ].join('\n');
}

export function clientScripts(): AstroIntegration {
  let bundles: Bundle[] = [];
  let assets = '_assets';
  return {
    name: 'landscape-client-scripts',
    hooks: {
      'astro:config:setup': async ({ config, updateConfig }) => {
        assets = config.build.assets;
        const dir = join(fileURLToPath(config.root), SCRIPTS);
        const entries = (await readdir(dir).catch(() => [] as string[]))
          .filter((name) => /\.(ts|js|mjs)$/.test(name) && !name.endsWith('.d.ts'))
          .sort();
        bundles = await Promise.all(entries.map((name) => bundle(join(dir, name))));
        const urls = Object.fromEntries(bundles.map((b) => [b.name, `/${assets}/${b.file}`]));
        updateConfig({
          vite: {
            plugins: [
              {
                name: 'landscape-client-scripts',
                resolveId: (id: string) => (id === VIRTUAL ? RESOLVED : undefined),
                load: (id: string) => (id === RESOLVED ? virtualModule(urls) : undefined),
                // `astro dev` serves the bundles from memory (a build writes them, below)
                configureServer: (server: { middlewares: { use: (handler: DevHandler) => void } }) => {
                  server.middlewares.use((req, res, next) => {
                    const script = bundles.find((b) => req.url === `/${assets}/${b.file}`);
                    if (!script) return next();
                    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
                    res.end(script.contents);
                  });
                },
              },
            ],
          },
        });
      },
      'astro:build:done': async ({ dir, logger }) => {
        const out = join(fileURLToPath(dir), assets);
        await mkdir(out, { recursive: true });
        for (const script of bundles) {
          const path = join(out, script.file);
          await writeFile(`${path}.tmp`, script.contents);
          await rename(`${path}.tmp`, path);
        }
        logger.info(`client scripts: ${bundles.map((b) => `${b.file} (${Math.round(b.contents.byteLength / 1024)} KiB)`).join(', ') || 'none'}`);
      },
    },
  };
}
