// The downloader against a local HTTP server on 127.0.0.1 that serves a small archive built here in
// the official layout (cifar-10-batches-bin/*.bin). Every server is closed after its test.
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeCifarBatchFile } from '../../pipeline/data/cifar-format.ts';
import { CIFAR10_ARCHIVE_NAME, downloadFile, ensureCifar10 } from '../../pipeline/data/download.ts';
import { randomBatch, tempDir } from './helpers.ts';

const FILES = ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin'];

interface Archive {
  bytes: Buffer;
  md5: string;
  sha256: string;
  files: Map<string, Buffer>;
}

async function buildArchive(root: string, files: string[]): Promise<Archive> {
  const src = join(root, 'src');
  const folder = join(src, 'cifar-10-batches-bin');
  await mkdir(folder, { recursive: true });
  const contents = new Map<string, Buffer>();
  for (const [i, name] of files.entries()) {
    const b = randomBatch(4 + i, `archive-${name}`);
    await writeCifarBatchFile(join(folder, name), b.labels, b.images);
    contents.set(name, await readFile(join(folder, name)));
  }
  // the official archive also holds a text file next to the batches
  await writeFile(join(folder, 'batches.meta.txt'), 'airplane\nautomobile\n');
  const file = join(root, 'archive.tar.gz');
  await createTar({ gzip: true, file, cwd: src, portable: true }, ['cifar-10-batches-bin']);
  const bytes = await readFile(file);
  return {
    bytes,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    files: contents,
  };
}

interface TestServer {
  url: string;
  /** the Range header of each request (undefined when none) */
  ranges: Array<string | undefined>;
  /** body bytes sent per request */
  served: number[];
  close(): Promise<void>;
}

/**
 * Serves `body` at /cifar.tar.gz. With `range`, honours `Range: bytes=N-` (206, or 416 past the
 * end); without, always answers 200 with the whole file. `dropFirstAfter` cuts the connection of
 * the first request after that many body bytes.
 */
async function serve(body: Buffer, opts: { range: boolean; dropFirstAfter?: number }): Promise<TestServer> {
  const ranges: Array<string | undefined> = [];
  const served: number[] = [];
  const server: Server = createServer((req, res) => {
    const index = ranges.length;
    ranges.push(req.headers.range);
    served.push(0);
    if (req.url !== '/cifar.tar.gz') {
      res.writeHead(404, 'Not Found').end();
      return;
    }
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (opts.range && m) {
      start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-gzip' });
    }
    const slice = body.subarray(start);
    if (opts.dropFirstAfter !== undefined && index === 0) {
      const part = slice.subarray(0, opts.dropFirstAfter);
      served[index] = part.length;
      // give the client time to read what was sent before the connection breaks: an errored
      // stream drops the chunks it had not yet handed out
      res.write(part, () => setTimeout(() => res.destroy(), 250));
      return;
    }
    served[index] = slice.length;
    res.end(slice);
  });
  // nothing in these tests should take long: a stuck request fails instead of hanging
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cifar.tar.gz`,
    ranges,
    served,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

let root = '';
let removeRoot: () => Promise<void> = async () => {};
let archive: Archive;

beforeAll(async () => {
  ({ dir: root, cleanup: removeRoot } = await tempDir('landscape-download-'));
  archive = await buildArchive(root, FILES);
});
afterAll(() => removeRoot());

let dl = '';
let removeDl: () => Promise<void> = async () => {};
const servers: TestServer[] = [];
beforeEach(async () => {
  ({ dir: dl, cleanup: removeDl } = await tempDir('landscape-dl-'));
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await removeDl();
});

async function startServer(opts: { range: boolean; dropFirstAfter?: number }, body = archive.bytes): Promise<TestServer> {
  const s = await serve(body, opts);
  servers.push(s);
  return s;
}

async function expectExtracted(folder: string): Promise<void> {
  expect((await readdir(folder)).sort()).toEqual([...FILES, 'batches.meta.txt'].sort());
  for (const name of FILES) {
    expect((await readFile(join(folder, name))).equals(archive.files.get(name)!), name).toBe(true);
  }
}

describe('downloading CIFAR-10', () => {
  it('downloads, verifies and extracts a good archive, then reuses it without a request', async () => {
    const server = await startServer({ range: true });
    const progress: Array<[number, number | null]> = [];
    const folder = await ensureCifar10(dl, {
      url: server.url,
      md5: archive.md5,
      sha256: archive.sha256,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(folder).toBe(join(dl, 'cifar-10-batches-bin'));
    await expectExtracted(folder);
    // no archive (not kept), no .part, no temporary extraction folder left behind
    expect(await readdir(dl)).toEqual(['cifar-10-batches-bin']);
    expect(server.ranges).toEqual([undefined]);
    expect(progress.at(-1)).toEqual([archive.bytes.length, archive.bytes.length]);
    expect(progress.every(([d], i) => i === 0 || d >= progress[i - 1]![0])).toBe(true);

    await expect(ensureCifar10(dl, { url: server.url, md5: archive.md5, sha256: archive.sha256 })).resolves.toBe(folder);
    expect(server.ranges).toHaveLength(1);
  });

  it('resumes a partial download with a Range request', async () => {
    const server = await startServer({ range: true });
    const half = Math.floor(archive.bytes.length / 2);
    await writeFile(join(dl, `${CIFAR10_ARCHIVE_NAME}.part`), archive.bytes.subarray(0, half));
    const progress: number[] = [];
    const folder = await ensureCifar10(dl, {
      url: server.url,
      md5: archive.md5,
      sha256: archive.sha256,
      keepArchive: true,
      onProgress: (done) => progress.push(done),
    });
    expect(server.ranges).toEqual([`bytes=${half}-`]);
    expect(server.served).toEqual([archive.bytes.length - half]);
    expect(progress[0]).toBe(half);
    await expectExtracted(folder);
    expect((await readFile(join(dl, CIFAR10_ARCHIVE_NAME))).equals(archive.bytes)).toBe(true);
  });

  it('restarts from zero when the server ignores Range', async () => {
    const server = await startServer({ range: false });
    const half = Math.floor(archive.bytes.length / 2);
    // not a prefix of the archive: appending to it would fail the checksum
    await writeFile(join(dl, `${CIFAR10_ARCHIVE_NAME}.part`), Buffer.alloc(half, 0xab));
    const result = await downloadFile(server.url, join(dl, CIFAR10_ARCHIVE_NAME), { md5: archive.md5, sha256: archive.sha256 });
    expect(server.ranges).toEqual([`bytes=${half}-`]);
    expect(server.served).toEqual([archive.bytes.length]);
    expect(result).toMatchObject({ resumedFrom: 0, downloaded: true, bytes: archive.bytes.length, md5: archive.md5 });
    expect((await readFile(join(dl, CIFAR10_ARCHIVE_NAME))).equals(archive.bytes)).toBe(true);
    expect(await readdir(dl)).toEqual([CIFAR10_ARCHIVE_NAME]);
  });

  it('restarts when a range-capable server says the partial file is past the end', async () => {
    const server = await startServer({ range: true });
    await writeFile(join(dl, `${CIFAR10_ARCHIVE_NAME}.part`), Buffer.alloc(archive.bytes.length + 10, 1));
    const result = await downloadFile(server.url, join(dl, CIFAR10_ARCHIVE_NAME), { sha256: archive.sha256 });
    expect(server.ranges).toEqual([`bytes=${archive.bytes.length + 10}-`, undefined]);
    expect(result.resumedFrom).toBe(0);
  });

  it('removes the temporary folder of an extraction that was killed midway', async () => {
    const server = await startServer({ range: true });
    await mkdir(join(dl, '.extract-stale', 'cifar-10-batches-bin'), { recursive: true });
    await ensureCifar10(dl, { url: server.url, md5: archive.md5, sha256: archive.sha256 });
    expect(await readdir(dl)).toEqual(['cifar-10-batches-bin']);
  });

  it('deletes the file and names expected and actual checksums on a mismatch', async () => {
    const server = await startServer({ range: true });
    const wrong = '0123456789abcdef0123456789abcdef';
    await expect(ensureCifar10(dl, { url: server.url, md5: wrong, sha256: null })).rejects.toThrow(
      new RegExp(`checksum mismatch \\(MD5 expected ${wrong}, actual ${archive.md5}\\); the downloaded file was deleted`),
    );
    expect(await readdir(dl)).toEqual([]);

    const wrongSha = 'f'.repeat(64);
    await expect(
      downloadFile(server.url, join(dl, CIFAR10_ARCHIVE_NAME), { md5: archive.md5, sha256: wrongSha }),
    ).rejects.toThrow(new RegExp(`SHA-256 expected ${wrongSha}, actual ${archive.sha256}`));
    expect(await readdir(dl)).toEqual([]);
  });

  it('keeps the .part of an interrupted download and resumes it on the next attempt', async () => {
    const cut = Math.floor(archive.bytes.length / 3);
    const server = await startServer({ range: true, dropFirstAfter: cut });
    const options = { url: server.url, md5: archive.md5, sha256: archive.sha256 };
    await expect(ensureCifar10(dl, options)).rejects.toThrow(/is kept and the next attempt resumes from it/);
    const partSize = (await stat(join(dl, `${CIFAR10_ARCHIVE_NAME}.part`))).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(cut);

    await expectExtracted(await ensureCifar10(dl, options));
    expect(server.ranges).toEqual([undefined, `bytes=${partSize}-`]);
    expect(server.served[1]).toBe(archive.bytes.length - partSize);
  });

  it('reports HTTP errors and refuses to download without a checksum', async () => {
    const server = await startServer({ range: true });
    const missing = server.url.replace('cifar.tar.gz', 'nothing-here.tar.gz');
    await expect(ensureCifar10(dl, { url: missing, md5: archive.md5 })).rejects.toThrow(/nothing-here\.tar\.gz: HTTP 404 Not Found/);
    await expect(downloadFile(server.url, join(dl, 'x'), {})).rejects.toThrow(/without a checksum/);
    // a port that was just listened on and closed again: the connection is refused
    const gone = await serve(archive.bytes, { range: true });
    await gone.close();
    await expect(downloadFile(gone.url, join(dl, 'x'), { md5: archive.md5 })).rejects.toThrow(
      /cifar\.tar\.gz: request failed \(ECONNREFUSED\)/,
    );
    await expect(ensureCifar10(dl, { url: server.url, md5: null, sha256: null })).rejects.toThrow(/without a checksum/);
  });

  it('leaves no folder behind when the archive lacks a required file', async () => {
    const sub = join(root, 'incomplete');
    const partial = await buildArchive(sub, FILES.slice(0, 5));
    const server = await startServer({ range: true }, partial.bytes);
    await expect(ensureCifar10(dl, { url: server.url, md5: null, sha256: partial.sha256 })).rejects.toThrow(
      /missing or damaged in the archive: test_batch\.bin/,
    );
    // the verified archive stays (downloading it again would not help); no folder, no temporary folder
    expect(await readdir(dl)).toEqual([CIFAR10_ARCHIVE_NAME]);
  });
});
