import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { simdKernelsIr } from '../../src/embedding/kernels/simd.ir';
import { SIMD_KERNELS_IR_SHA256, SIMD_KERNELS_WASM } from '../../src/embedding/kernels/simd.wasm';

/**
 * simd.wasm.ts is the committed build output of simd.ir.ts
 * (scripts/build-simd-kernels.js). An edit to the IR without a rebuild must
 * fail here, in CI, where LLVM is not installed: the file records the SHA-256
 * of the IR it was built from. Where LLVM 14 is installed the module is also
 * rebuilt and compared byte for byte.
 */
const build = require('../../scripts/build-simd-kernels.js') as {
  irText(): string;
  irSha256(ir: string): string;
  findLlvm(binDir?: string): { opt: string; llc: string } | undefined;
  compile(ir: string, llvm: { opt: string; llc: string }): Buffer;
  render(wasm: Uint8Array, irHash: string): string;
  check(text: string, ir: string, llvm?: { opt: string; llc: string }): string[];
};

const moduleFile = path.join(__dirname, '../../src/embedding/kernels/simd.wasm.ts');
const committedText = fs.readFileSync(moduleFile, 'utf8');
const committedWasm = Buffer.from(SIMD_KERNELS_WASM, 'base64');
const llvm = build.findLlvm();

describe('SIMD module build (simd.ir.ts → simd.wasm.ts)', () => {
  it('records the SHA-256 of the IR that simd.ir.ts generates now', () => {
    const ir = simdKernelsIr();
    expect(SIMD_KERNELS_IR_SHA256).toBe(createHash('sha256').update(ir, 'utf8').digest('hex'));
    // The script reads the same IR (its own transpile of simd.ir.ts).
    expect(build.irText()).toBe(ir);
  });

  it("is exactly the build script's rendering of its module bytes (no hand edits)", () => {
    expect(committedWasm.subarray(0, 4)).toEqual(Buffer.from([0x00, 0x61, 0x73, 0x6d])); // "\0asm"
    expect(build.render(committedWasm, SIMD_KERNELS_IR_SHA256)).toBe(committedText);
    expect(build.check(committedText, simdKernelsIr())).toEqual([]);
  });

  it('reports an IR edit that was not rebuilt', () => {
    const editedIr = simdKernelsIr().replace('fadd <4 x float>', 'fsub <4 x float>');
    expect(editedIr).not.toBe(simdKernelsIr());
    const problems = build.check(committedText, editedIr);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/built from other IR.*build-simd-kernels/);
  });

  (llvm ? it : it.skip)('rebuilds byte-identically with LLVM 14 (skipped where LLVM 14 is not installed)', () => {
    const fresh = build.compile(simdKernelsIr(), llvm!);
    expect(fresh.length).toBe(committedWasm.length);
    expect(fresh.equals(committedWasm)).toBe(true);
    expect(build.render(fresh, build.irSha256(simdKernelsIr()))).toBe(committedText);
  });
});

if (!llvm) {
  // Visible in the jest output: the byte-level rebuild did not run on this machine.
  console.warn('simd-module-build: LLVM 14 (opt-14/llc-14) not found, byte-identical rebuild skipped; the IR hash check ran');
}
