// Pass 3: Vega-Lite -> Vega.
//
// vega-lite reports what it drops or reinterprets (an encoding that does not fit the mark, a
// field type it cannot use) through its logger rather than by failing; those messages are
// collected so the caller can show or reject them instead of losing them on stderr.
import type { LoggerInterface, Spec as VegaSpec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export interface CompiledSpec {
  vega: VegaSpec;
  /** vega-lite's warnings, in order */
  warnings: string[];
}

/** A logger that keeps warnings and errors in memory (vega-util's logger interface). */
export function collectingLogger(warnings: string[]): LoggerInterface {
  let level = 0;
  const text = (args: unknown[]) => args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
  const logger: LoggerInterface = {
    level(next?: number) {
      if (next === undefined) return level;
      level = next;
      return logger;
    },
    error(...args: unknown[]) {
      warnings.push(`error: ${text(args)}`);
      return logger;
    },
    warn(...args: unknown[]) {
      warnings.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

export function compileToVega(spec: TopLevelSpec): CompiledSpec {
  const warnings: string[] = [];
  const { spec: vega } = compile(spec, { logger: collectingLogger(warnings) });
  return { vega, warnings };
}
