// A run's timeline, for the kill -9 campaign (tests/chaos/). Off unless asked for:
//
//   LANDSCAPE_TRACE=<file>        every process of a run (the pipeline, its workers) appends one
//                                 JSON line per event: { t, pid, event, detail }
//   LANDSCAPE_FAILPOINT=<event>[ <detail>][@<n>]
//                                 the process that reaches that event (with that detail, when
//                                 given; its n-th such event, default the first) writes a `frozen`
//                                 line and stops dead there, its thread blocked, until it is
//                                 killed: a kill point no timer could hit, such as between a
//                                 checkpoint's weights and its record
//
// Events are named where they happen: step-start / step-end <step>, commit <step> (an object
// whose manifest is written, just before it is renamed into place), checkpoint-weights and
// checkpoint-record <trajectory> <epoch>, site-start / site-end, manifest-write <run id> (before
// the rename), run-start / run-end.
import { appendFileSync } from 'node:fs';

export type TraceEvent =
  | 'run-start'
  | 'run-end'
  | 'step-start'
  | 'step-end'
  | 'commit'
  | 'checkpoint-weights'
  | 'checkpoint-record'
  | 'site-start'
  | 'site-end'
  | 'manifest-write'
  | 'frozen';

export interface TraceLine {
  t: number;
  pid: number;
  event: TraceEvent;
  detail?: string;
}

/** how many times this process has reached the failpoint's event */
let reached = 0;

export function trace(event: TraceEvent, detail?: string): void {
  const file = process.env.LANDSCAPE_TRACE;
  if (!file) return;
  const line: TraceLine = { t: Date.now(), pid: process.pid, event, ...(detail !== undefined ? { detail } : {}) };
  // one short append per line: lines of different processes never interleave
  appendFileSync(file, JSON.stringify(line) + '\n');
  const failpoint = process.env.LANDSCAPE_FAILPOINT;
  if (!failpoint) return;
  const [wanted, nth] = failpoint.split('@') as [string, string | undefined];
  if (wanted !== event && wanted !== `${event} ${detail ?? ''}`.trim()) return;
  reached += 1;
  if (reached === Number(nth ?? 1)) {
    appendFileSync(file, JSON.stringify({ t: Date.now(), pid: process.pid, event: 'frozen', detail: failpoint }) + '\n');
    // block this thread for good: nothing after this point runs until the process is killed
    for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  }
}
