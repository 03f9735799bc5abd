import { Readable } from 'stream';
import { DomainError, ErrorCode } from '../../src/errors';
import { decodeBase64, resolveImageInput } from '../../src/services/image-input';

const limits = { maxUploadBytes: 1000 };

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e instanceof DomainError ? e.code : 'not-a-domain-error';
  }
}

describe('resolveImageInput', () => {
  it('requires exactly one of upload, base64, imageId', async () => {
    expect(await codeOf(resolveImageInput({}, limits))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(await codeOf(resolveImageInput({ base64: 'AAAA', imageId: 'x' }, limits))).toBe(ErrorCode.BAD_USER_INPUT);
    expect(await codeOf(resolveImageInput({ base64: null, imageId: null, upload: null }, limits))).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('returns stored references for imageId', async () => {
    expect(await resolveImageInput({ imageId: 'abc' }, limits)).toEqual({ kind: 'stored', imageId: 'abc' });
  });

  it('decodes base64, with or without a data URL prefix', async () => {
    // "hi!" = 0x68 0x69 0x21 → "aGkh"
    const r = await resolveImageInput({ base64: 'data:image/png;base64,aGkh' }, limits);
    expect(r.kind).toBe('bytes');
    expect(Array.from((r as { bytes: Uint8Array }).bytes)).toEqual([0x68, 0x69, 0x21]);
  });

  it('reads uploads and refuses one larger than the limit', async () => {
    const upload = (n: number) => Promise.resolve({ createReadStream: () => Readable.from([Buffer.alloc(n, 7)]) });
    const ok = await resolveImageInput({ upload: upload(1000) }, limits);
    expect((ok as { bytes: Uint8Array }).bytes.length).toBe(1000);
    expect(await codeOf(resolveImageInput({ upload: upload(1001) }, limits))).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });

  it('maps a rejected upload (multipart limit) to PAYLOAD_TOO_LARGE', async () => {
    const err = Object.assign(new Error('File truncated'), { status: 413 });
    const rejected = Promise.reject(err);
    rejected.catch(() => undefined);
    expect(await codeOf(resolveImageInput({ upload: rejected }, limits))).toBe(ErrorCode.PAYLOAD_TOO_LARGE);
  });
});

describe('decodeBase64', () => {
  it('refuses characters outside the alphabet instead of skipping them', () => {
    expect(() => decodeBase64('aGk*', 100)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
  });
  it('accepts padding only at the end, one or two characters', () => {
    // "aGk=" is "hi"; "aGk=aGk=" would silently decode as "hi" + garbage in Node.
    expect(Array.from(decodeBase64('aGk=', 100))).toEqual([0x68, 0x69]);
    expect(Array.from(decodeBase64('aA==', 100))).toEqual([0x68]);
    for (const bad of ['aGk=aGk=', 'a=Gk', 'aG===', '=aGk']) {
      expect(() => decodeBase64(bad, 100)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
    }
  });
  it('refuses an impossible length', () => {
    expect(() => decodeBase64('aGkha', 100)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT }));
  });
  it('accepts url-safe base64 and line breaks', () => {
    // 0xfb 0xff → "+/8=" standard, "-_8=" url-safe
    expect(Array.from(decodeBase64('-_8=', 100))).toEqual([0xfb, 0xff]);
    expect(Array.from(decodeBase64('aG\nkh', 100))).toEqual([0x68, 0x69, 0x21]);
  });
  it('refuses empty and oversized payloads', () => {
    expect(() => decodeBase64('  ', 100)).toThrow(expect.objectContaining({ code: ErrorCode.INVALID_IMAGE }));
    expect(() => decodeBase64('A'.repeat(400), 100)).toThrow(expect.objectContaining({ code: ErrorCode.PAYLOAD_TOO_LARGE }));
  });
});
