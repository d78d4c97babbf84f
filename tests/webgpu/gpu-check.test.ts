// npm run gpu-check: a clear failure (exit 2) without an adapter and with only a software one;
// end to end on a software adapter with --software (a short budget; only with
// LANDSCAPE_WEBGPU_E2E=1, as it takes most of a minute there).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { skipWebgpu, softwareOnly } from './helpers.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'landscape-gpu-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function gpuCheck(args: string[], env: Record<string, string> = {}) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...env };
  delete childEnv.LANDSCAPE_BACKEND;
  delete childEnv.LANDSCAPE_WEBGPU_SOFTWARE;
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/landscape.ts', 'gpu-check', ...args], { cwd: repoRoot, env: childEnv, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('npm run gpu-check', () => {
  it.skipIf(process.platform !== 'linux')('fails clearly, with exit code 2, when no adapter is found', () => {
    const { code, output } = gpuCheck(['--software'], { VK_DRIVER_FILES: join(scratch, 'missing_icd.json') });
    expect(code, output).toBe(2);
    expect(output).toMatch(/^machine$/m);
    expect(output).toMatch(/Vulkan ICD\s+.*missing_icd\.json -> missing \(from VK_DRIVER_FILES\)/);
    expect(output).toMatch(/^\s+adapter\s+none$/m);
    expect(output).toMatch(/^FAIL: no WebGPU adapter\. On Linux Dawn needs libvulkan\.so\.1 and the GPU driver's Vulkan ICD/m);
  });

  it.skipIf(skipWebgpu() || !softwareOnly())('refuses a software adapter unless --software', () => {
    const { code, output } = gpuCheck([]);
    expect(code, output).toBe(2);
    expect(output).toMatch(/^FAIL: only a software adapter \(.*\): no GPU is in use\. Run with --software/m);
  });

  it.skipIf(process.env.LANDSCAPE_WEBGPU_E2E !== '1' || skipWebgpu())('runs end to end on a software adapter with --software', () => {
    const out = join(scratch, 'result.json');
    const { code, output } = gpuCheck(['--software', '--batches', '100', '--budget', '60', '--no-torch', '--out', out]);
    expect(code, output).toBe(0);
    expect(output).toMatch(/verdict\s+pass/);
    expect(output).toMatch(/webgpu 100\s+[\d.]+ images\/s/);
    expect(output).toMatch(/all checks passed/);
    const report = JSON.parse(readFileSync(out, 'utf8')) as { failures: string[]; training: Array<{ engine: string; imagesPerSecond: number }> };
    expect(report.failures).toEqual([]);
    expect(report.training.find((t) => t.engine === 'webgpu')!.imagesPerSecond).toBeGreaterThan(0);
  });
});
