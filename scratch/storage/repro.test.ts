import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tinyModelOnce } from '../../test/fixtures/tiny-model-once';
import { syntheticImage } from '../../test/fixtures/synthetic-images';
import { gql } from '../../test/e2e/http-client';
import { tempDir } from '../../test/e2e/harness';
import { serverEnv, startChildServer } from '../../test/reliability/child-server';

jest.setTimeout(180_000);
const TOKEN = 'disk-admin-token-0123456789abcdef';
const t = <T>(p: Promise<T>, ms = 10_000): Promise<T | 'TIMEOUT'> => Promise.race([p, new Promise<'TIMEOUT'>((r) => setTimeout(() => r('TIMEOUT'), ms))]);

it('repro', async () => {
  const dir = tempDir('siamese-full-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', dir]);
  const { modelDir } = await tinyModelOnce();
  const { child, url } = await startChildServer(serverEnv(dir, modelDir, TOKEN, { SIAMESE_LOG_LEVEL: 'info' }));
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  const hz = url.replace('/graphql', '/healthz');
  try {
    const id = (await gql(url, `mutation { createIdentity(name: "a") { id } }`, {}, { token: TOKEN })).data!.createIdentity.id;
    const img = async (s: number) => ({ base64: (await syntheticImage(1, s, { width: 256, height: 256 })).toString('base64') });
    const ENROLL = `mutation($id: ID!, $images: [ImageInput!]!) { enrollImages(identityId: $id, images: $images) { id } }`;
    console.log('enroll1', JSON.stringify((await gql(url, ENROLL, { id, images: [await img(0)] }, { token: TOKEN })).errors));
    await new Promise((r) => setTimeout(r, 300));
    const fd = fs.openSync(path.join(dir, 'filler'), 'w');
    const chunk = Buffer.alloc(16384, 1);
    try { for (;;) fs.writeSync(fd, chunk); } catch (e) { console.log('filled', (e as Error).message); }
    try { for (;;) fs.writeSync(fd, chunk, 0, 512); } catch { /* full */ }
    fs.closeSync(fd);
    const imgs = await Promise.all([1, 2, 3, 4].map(img));
    const r = await t(gql(url, ENROLL, { id, images: imgs }, { token: TOKEN }), 20000);
    console.log('enroll-full', JSON.stringify(r));
    await new Promise((r) => setTimeout(r, 500));
    console.log('ls', execFileSync('ls', ['-la', dir, path.join(dir, 'index')]).toString());
    console.log('search', JSON.stringify(await t(gql(url, `query($image: ImageInput!) { searchSimilar(image: $image, k: 1) { imageId } }`, { image: imgs[0] }))));
    console.log('identity', JSON.stringify(await t(gql(url, `query($id: ID!) { identity(id: $id) { name } }`, { id }))));
    console.log('healthz', JSON.stringify(await t(fetch(hz).then((x) => x.json()))));
    fs.rmSync(path.join(dir, 'filler'));
    console.log('enroll-after', JSON.stringify(await t(gql(url, ENROLL, { id, images: [imgs[0]] }, { token: TOKEN }), 20000)));
    console.log('identity-after', JSON.stringify(await t(gql(url, `query($id: ID!) { identity(id: $id) { name } }`, { id }))));
    console.log('healthz', JSON.stringify(await t(fetch(hz).then((x) => x.json()))));
    console.log('ls', execFileSync('ls', ['-la', dir, path.join(dir, 'index')]).toString());
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 300));
    console.log('LOG', log.slice(-5000));
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
