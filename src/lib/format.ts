// Small formatting helpers shared by the pages.

export function seconds(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  if (value < 1) return `${Math.round(value * 1000)} ms`;
  if (value < 60) return `${value.toFixed(1)} s`;
  const minutes = Math.floor(value / 60);
  const rest = Math.round(value - minutes * 60);
  if (minutes < 60) return `${minutes} min ${rest} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function bytes(value: number): string {
  if (value < 1024) return `${value} B`;
  if (value < 1024 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 / 1024).toFixed(1)} MiB`;
}

export function shortKey(key: string | null | undefined, length = 12): string {
  return key ? key.slice(0, length) : '-';
}

/** An ISO date as "2025-01-31 14:05 UTC". */
export function date(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export type Scalar = string | number | boolean | null;

/**
 * Flattens nested settings into dotted paths with scalar values (arrays of scalars are joined),
 * so a profile or a dataset description reads as a table.
 */
export function flatten(value: unknown, prefix = ''): Array<[string, Scalar]> {
  if (value === null || typeof value !== 'object') return [[prefix || '(value)', value as Scalar]];
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return [[prefix, value.map(String).join(', ')]];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return [[prefix, '(none)']];
  return entries.flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k));
}

export function scalar(value: Scalar): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  return String(value);
}

/** A WebGPU adapter as the run manifest records it: "nvidia hopper (nvidia-h100-...)", "(software)" when it is one. */
export function adapter(a: { vendor: string; architecture: string; device: string; software: boolean } | null | undefined): string {
  if (!a) return '-';
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || 'unknown vendor';
  return `${name}${a.device ? ` (${a.device})` : ''}${a.software ? ', a software adapter' : ''}`;
}
