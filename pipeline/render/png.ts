// Pass 5: SVG -> PNG with resvg.
//
// resvg draws text only with fonts it has loaded, and its generic 'sans-serif' means "Arial"
// unless told otherwise, which most Linux machines do not have: text would silently vanish. So
// the usual font folders of Linux, macOS and Windows are searched once per process for a known
// sans-serif family (DejaVu Sans first, as on Debian), and only that family's files (plus a
// serif and a monospace family when present) are loaded: faster than loading every system font,
// and the same fonts on every render. When none of the known families exists, resvg loads all
// system fonts and uses the first as the default, so text still renders in some face.
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { Resvg, type ResvgRenderOptions } from '@resvg/resvg-js';

export interface PngOptions {
  /** device pixels per CSS pixel (default 2) */
  scale?: number;
  /** font files to use instead of the discovered ones */
  fontFiles?: string[];
}

export interface PngResult {
  png: Buffer;
  width: number;
  height: number;
}

export const DEFAULT_SCALE = 2;

interface Family {
  name: string;
  /** matches the family's file names (any style) */
  files: RegExp;
}

// In order of preference; file-name patterns of the common packagings.
const SANS: Family[] = [
  { name: 'DejaVu Sans', files: /^DejaVuSans(-(Bold|Oblique|BoldOblique))?\.ttf$/i },
  { name: 'Liberation Sans', files: /^LiberationSans-(Regular|Bold|Italic|BoldItalic)\.ttf$/i },
  { name: 'Noto Sans', files: /^NotoSans-(Regular|Bold|Italic|BoldItalic)\.(ttf|otf)$/i },
  { name: 'FreeSans', files: /^FreeSans(Bold|Oblique|BoldOblique)?\.(ttf|otf)$/i },
  { name: 'Arial', files: /^arial(bd|i|bi)?\.ttf$|^Arial( Bold| Italic| Bold Italic)?\.ttf$/i },
  { name: 'Helvetica', files: /^Helvetica\.ttc$/i },
];
const SERIF: Family[] = [
  { name: 'DejaVu Serif', files: /^DejaVuSerif(-(Bold|Italic|BoldItalic))?\.ttf$/i },
  { name: 'Liberation Serif', files: /^LiberationSerif-(Regular|Bold|Italic|BoldItalic)\.ttf$/i },
  { name: 'Noto Serif', files: /^NotoSerif-(Regular|Bold|Italic|BoldItalic)\.(ttf|otf)$/i },
  { name: 'Times New Roman', files: /^times(bd|i|bi)?\.ttf$|^Times New Roman( Bold| Italic| Bold Italic)?\.ttf$/i },
];
const MONO: Family[] = [
  { name: 'DejaVu Sans Mono', files: /^DejaVuSansMono(-(Bold|Oblique|BoldOblique))?\.ttf$/i },
  { name: 'Liberation Mono', files: /^LiberationMono-(Regular|Bold|Italic|BoldItalic)\.ttf$/i },
  { name: 'Noto Sans Mono', files: /^NotoSansMono-(Regular|Bold)\.(ttf|otf)$/i },
  { name: 'Courier New', files: /^cour(bd|i|bi)?\.ttf$|^Courier New( Bold| Italic| Bold Italic)?\.ttf$/i },
];

/** The conventional font folders; which exist depends on the machine. */
function fontDirs(): string[] {
  const home = homedir();
  const dirs = [
    '/usr/share/fonts',
    '/usr/local/share/fonts',
    join(home, '.local/share/fonts'),
    join(home, '.fonts'),
    '/Library/Fonts',
    '/System/Library/Fonts',
    join(home, 'Library/Fonts'),
  ];
  if (process.env.WINDIR) dirs.push(join(process.env.WINDIR, 'Fonts'));
  if (process.env.XDG_DATA_HOME) dirs.push(join(process.env.XDG_DATA_HOME, 'fonts'));
  return dirs;
}

/** Every font file under the given folders, sorted so the choice does not depend on listing order. */
function listFontFiles(dirs: string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // folder absent or unreadable: fine, it is only a candidate
    }
    for (const name of names) {
      const path = join(dir, name);
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (depth < 6) walk(path, depth + 1);
      } else if (/\.(ttf|otf|ttc)$/i.test(name)) {
        found.push(path);
      }
    }
  };
  for (const dir of dirs) walk(dir, 0);
  return [...new Set(found)].sort();
}

export interface FontChoice {
  /** files to load; empty means "load the system fonts" */
  files: string[];
  sans?: string;
  serif?: string;
  mono?: string;
}

function pick(files: string[], families: Family[]): { name: string; files: string[] } | undefined {
  for (const family of families) {
    const matched = files.filter((f) => family.files.test(basename(f)));
    if (matched.length > 0) {
      // the same file may sit in several folders; keep one copy of each name
      const byName = new Map<string, string>();
      for (const f of matched) if (!byName.has(basename(f))) byName.set(basename(f), f);
      return { name: family.name, files: [...byName.values()] };
    }
  }
  return undefined;
}

let cachedChoice: FontChoice | undefined;

/** The fonts the PNG renderer uses on this machine (searched once per process). */
export function chooseFonts(): FontChoice {
  if (cachedChoice) return cachedChoice;
  const all = listFontFiles(fontDirs());
  const sans = pick(all, SANS);
  if (!sans) {
    cachedChoice = { files: [] };
    return cachedChoice;
  }
  const serif = pick(all, SERIF);
  const mono = pick(all, MONO);
  cachedChoice = {
    files: [...sans.files, ...(serif?.files ?? []), ...(mono?.files ?? [])],
    sans: sans.name,
    serif: serif?.name,
    mono: mono?.name,
  };
  return cachedChoice;
}

function fontOptions(fontFiles?: string[]): NonNullable<ResvgRenderOptions['font']> {
  if (fontFiles && fontFiles.length > 0) {
    return { loadSystemFonts: false, fontFiles };
  }
  const choice = chooseFonts();
  if (choice.files.length === 0) {
    // no known family: let resvg find whatever the system has
    return { loadSystemFonts: true };
  }
  const sans = choice.sans!;
  return {
    loadSystemFonts: false,
    fontFiles: choice.files,
    defaultFontFamily: sans,
    sansSerifFamily: sans,
    serifFamily: choice.serif ?? sans,
    monospaceFamily: choice.mono ?? sans,
    // no figure should ask for these, but if one does it still gets readable text
    cursiveFamily: sans,
    fantasyFamily: sans,
  };
}

export function svgToPng(svg: string, options: PngOptions = {}): PngResult {
  const scale = options.scale ?? DEFAULT_SCALE;
  if (!(scale > 0)) throw new Error(`PNG scale must be positive, got ${scale}`);
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    font: fontOptions(options.fontFiles),
    // vector edges antialiased the same way every time; text shaped for legibility
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  });
  const image = resvg.render();
  return { png: image.asPng(), width: image.width, height: image.height };
}
