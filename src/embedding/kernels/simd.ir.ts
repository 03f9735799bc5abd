/**
 * Generates the LLVM IR of the project's wasm SIMD kernels (the Winograd
 * F(4×4, 3×3) tile transforms of Lavin & Gray 2016, see
 * winograd-conv2d.kernel.ts, plus a 2×2 max-pool gradient row and float64 row
 * sums), vectorised over channels (4 per f32x4). This file is the source of
 * truth; LLVM 14 compiles it into the module committed as simd.wasm.ts:
 *
 *   node scripts/build-simd-kernels.js           rebuild simd.wasm.ts after editing this file
 *   node scripts/build-simd-kernels.js --check   is simd.wasm.ts a fresh build of this file?
 *
 * (test/embedding/simd-module-build.test.ts fails when the IR changes without a rebuild.)
 *
 * Functions (all pointers are byte offsets into tfjs-backend-wasm's heap):
 *
 * - wino_in(ptrs, dst, stride, bytes): V = Bᵀ d B for one input tile. `ptrs`
 *   holds 36 i32 source pointers, row-major over the 6×6 tile, each to that
 *   pixel's first channel (or to a zero vector outside the image); V[ξ] for
 *   ξ = a·6 + b goes to dst + ξ·stride. `bytes` = channels·4 (multiple of 16).
 * - wino_out(src, stride, ptrs, bias, relu, bytes): Y = Aᵀ M A for one output
 *   tile, M[ξ] at src + ξ·stride, plus bias (pointer to `channels` floats),
 *   then ReLU if relu ≠ 0; Y[i][j] goes to the 16 pointers at `ptrs`
 *   (row-major over the 4×4 tile; a scratch sink for positions outside the output).
 *
 * Both apply the 1-D transforms separably with the usual shared sums:
 *   Bᵀd: r0 = 4d0 − 5d2 + d4, r1 = −4(d1 + d2) + (d3 + d4), r2 = 4(d1 − d2) + (d4 − d3),
 *        r3 = (d4 − d2) − 2(d1 − d3), r4 = (d4 − d2) + 2(d1 − d3), r5 = 4d1 − 5d3 + d5
 *   Aᵀm: y0 = m0 + (m1 + m2) + (m3 + m4), y1 = (m1 − m2) + 2(m3 − m4),
 *        y2 = (m1 + m2) + 4(m3 + m4), y3 = (m1 − m2) + 8(m3 − m4) + m5
 */
class Emitter {
  private n = 0;
  readonly lines: string[] = [];

  constructor(private readonly prefix: string) {}

  tmp(expr: string): string {
    const name = `%${this.prefix}${this.n++}`;
    this.lines.push(`  ${name} = ${expr}`);
    return name;
  }

  add(a: string, b: string): string {
    return this.tmp(`fadd <4 x float> ${a}, ${b}`);
  }

  sub(a: string, b: string): string {
    return this.tmp(`fsub <4 x float> ${a}, ${b}`);
  }

  mul(a: string, k: number): string {
    const c = `${k.toFixed(1)}`;
    return this.tmp(`fmul <4 x float> ${a}, <float ${c}, float ${c}, float ${c}, float ${c}>`);
  }
}

function bt(e: Emitter, d: string[]): string[] {
  const r0 = e.add(e.sub(e.mul(d[0], 4), e.mul(d[2], 5)), d[4]);
  const s12 = e.add(d[1], d[2]);
  const s34 = e.add(d[3], d[4]);
  const r1 = e.sub(s34, e.mul(s12, 4));
  const d12 = e.sub(d[1], d[2]);
  const d43 = e.sub(d[4], d[3]);
  const r2 = e.add(e.mul(d12, 4), d43);
  const d13 = e.mul(e.sub(d[1], d[3]), 2);
  const d42 = e.sub(d[4], d[2]);
  const r3 = e.sub(d42, d13);
  const r4 = e.add(d42, d13);
  const r5 = e.add(e.sub(e.mul(d[1], 4), e.mul(d[3], 5)), d[5]);
  return [r0, r1, r2, r3, r4, r5];
}

function at(e: Emitter, m: string[]): string[] {
  const a = e.add(m[1], m[2]);
  const b = e.sub(m[1], m[2]);
  const c = e.add(m[3], m[4]);
  const d = e.sub(m[3], m[4]);
  const y0 = e.add(e.add(m[0], a), c);
  const y1 = e.add(b, e.mul(d, 2));
  const y2 = e.add(a, e.mul(c, 4));
  const y3 = e.add(e.add(b, e.mul(d, 8)), m[5]);
  return [y0, y1, y2, y3];
}

function loadPtrs(e: Emitter, base: string, count: number, prefix: string): string[] {
  const out: string[] = [];
  e.lines.push(`  %${prefix}pp = inttoptr i32 ${base} to i32*`);
  for (let k = 0; k < count; k++) {
    e.lines.push(`  %${prefix}g${k} = getelementptr inbounds i32, i32* %${prefix}pp, i32 ${k}`);
    e.lines.push(`  %${prefix}${k} = load i32, i32* %${prefix}g${k}, align 4`);
    out.push(`%${prefix}${k}`);
  }
  return out;
}

function loadVec(e: Emitter, addr: string): string {
  const p = e.tmp(`inttoptr i32 ${addr} to <4 x float>*`);
  return e.tmp(`load <4 x float>, <4 x float>* ${p}, align 4`);
}

function storeVec(e: Emitter, addr: string, v: string): void {
  const p = e.tmp(`inttoptr i32 ${addr} to <4 x float>*`);
  e.lines.push(`  store <4 x float> ${v}, <4 x float>* ${p}, align 4`);
}

function inputFunction(): string {
  const head = new Emitter('h');
  const ptrs = loadPtrs(head, '%ptrs', 36, 'p');
  const e = new Emitter('t');
  const d: string[][] = [];
  for (let u = 0; u < 6; u++) {
    d.push([]);
    for (let v = 0; v < 6; v++) d[u].push(loadVec(e, e.tmp(`add i32 ${ptrs[u * 6 + v]}, %c`)));
  }
  // Columns first: t[·][v] = Bᵀ d[·][v]; then rows: V[a][·] = Bᵀ t[a][·].
  const t: string[][] = Array.from({ length: 6 }, () => new Array<string>(6));
  for (let v = 0; v < 6; v++) {
    const col = bt(
      e,
      d.map((row) => row[v]),
    );
    for (let a = 0; a < 6; a++) t[a][v] = col[a];
  }
  for (let a = 0; a < 6; a++) {
    const row = bt(e, t[a]);
    for (let b = 0; b < 6; b++) {
      const off = e.tmp(`mul i32 %stride, ${a * 6 + b}`);
      const addr = e.tmp(`add i32 %dc, ${off}`);
      storeVec(e, addr, row[b]);
    }
  }
  return [
    'define void @wino_in(i32 %ptrs, i32 %dst, i32 %stride, i32 %bytes) #0 {',
    'entry:',
    ...head.lines,
    '  %any = icmp sgt i32 %bytes, 0',
    '  br i1 %any, label %loop, label %exit',
    'loop:',
    '  %c = phi i32 [0, %entry], [%next, %loop]',
    '  %dc = add i32 %dst, %c',
    ...e.lines,
    '  %next = add i32 %c, 16',
    '  %more = icmp slt i32 %next, %bytes',
    '  br i1 %more, label %loop, label %exit',
    'exit:',
    '  ret void',
    '}',
  ].join('\n');
}

/** Aᵀᵀ: the 4 → 6 transform of a dy column, (A dy)_a = Σ_i Aᵀ[i][a] dy_i. */
function atT(e: Emitter, d: string[]): string[] {
  const ev = e.add(d[0], d[2]);
  const od = e.add(d[1], d[3]);
  const ev4 = e.add(d[0], e.mul(d[2], 4));
  const od8 = e.add(e.mul(d[1], 2), e.mul(d[3], 8));
  return [d[0], e.add(ev, od), e.sub(ev, od), e.add(ev4, od8), e.sub(ev4, od8), d[3]];
}

/** Stores the 4 lanes of v (channels c … c+3 of position ξ) one float per channel row. */
function storeTransposed(e: Emitter, v: string, xi: number): void {
  const off = e.tmp(`mul i32 %xiStride, ${xi}`);
  const base = e.tmp(`add i32 %rowBase, ${off}`);
  for (let k = 0; k < 4; k++) {
    const lane = e.tmp(`extractelement <4 x float> ${v}, i32 ${k}`);
    const addr = k === 0 ? base : e.tmp(`add i32 ${base}, %rs${k}`);
    const p = e.tmp(`inttoptr i32 ${addr} to float*`);
    e.lines.push(`  store float ${lane}, float* ${p}, align 4`);
  }
}

/** The loop around a transposed-store transform: %rowBase advances 4 channel rows per vector. */
function transposedWrapper(name: string, attr: number, head: Emitter, e: Emitter): string {
  return [
    `define void @${name}(i32 %ptrs, i32 %dst, i32 %rowStride, i32 %xiStride, i32 %bytes) #${attr} {`,
    'entry:',
    ...head.lines,
    '  %rs1 = mul i32 %rowStride, 1',
    '  %rs2 = mul i32 %rowStride, 2',
    '  %rs3 = mul i32 %rowStride, 3',
    '  %rs4 = mul i32 %rowStride, 4',
    '  %any = icmp sgt i32 %bytes, 0',
    '  br i1 %any, label %loop, label %exit',
    'loop:',
    '  %c = phi i32 [0, %entry], [%next, %loop]',
    '  %rowBase = phi i32 [%dst, %entry], [%nextBase, %loop]',
    ...e.lines,
    '  %next = add i32 %c, 16',
    '  %nextBase = add i32 %rowBase, %rs4',
    '  %more = icmp slt i32 %next, %bytes',
    '  br i1 %more, label %loop, label %exit',
    'exit:',
    '  ret void',
    '}',
  ].join('\n');
}

/**
 * wino_in_t(ptrs, dst, rowStride, xiStride, bytes): V = Bᵀ d B like wino_in,
 * stored transposed for the filter gradient: channel c of V[ξ] goes to
 * dst + ξ·xiStride + c·rowStride (one float per channel row).
 */
function inputTransposedFunction(): string {
  const head = new Emitter('h');
  const ptrs = loadPtrs(head, '%ptrs', 36, 'p');
  const e = new Emitter('t');
  const d: string[][] = [];
  for (let u = 0; u < 6; u++) {
    d.push([]);
    for (let v = 0; v < 6; v++) d[u].push(loadVec(e, e.tmp(`add i32 ${ptrs[u * 6 + v]}, %c`)));
  }
  const t: string[][] = Array.from({ length: 6 }, () => new Array<string>(6));
  for (let v = 0; v < 6; v++) {
    const col = bt(
      e,
      d.map((row) => row[v]),
    );
    for (let a = 0; a < 6; a++) t[a][v] = col[a];
  }
  // Channel c (= byte offset %c / 4) of lane k lives in row (c + k): %rowBase = dst + (c/4)·4·rowStride.
  for (let a = 0; a < 6; a++) {
    const row = bt(e, t[a]);
    for (let b = 0; b < 6; b++) storeTransposed(e, row[b], a * 6 + b);
  }
  return transposedWrapper('wino_in_t', 2, head, e);
}

/**
 * wino_dy(ptrs, dst, stride, bytes): Ỹ = A dy Aᵀ for one 4×4 dy tile (the
 * filter gradient's second operand, F(3×3, 4×4)); `ptrs` holds 16 source
 * pointers (zeros outside dy), Ỹ[ξ] goes to dst + ξ·stride.
 */
function dyFunction(): string {
  const head = new Emitter('h');
  const ptrs = loadPtrs(head, '%ptrs', 16, 'p');
  const e = new Emitter('t');
  const d: string[][] = [];
  for (let i = 0; i < 4; i++) {
    d.push([]);
    for (let j = 0; j < 4; j++) d[i].push(loadVec(e, e.tmp(`add i32 ${ptrs[i * 4 + j]}, %c`)));
  }
  const t: string[][] = Array.from({ length: 6 }, () => new Array<string>(4));
  for (let j = 0; j < 4; j++) {
    const col = atT(
      e,
      d.map((row) => row[j]),
    );
    for (let a = 0; a < 6; a++) t[a][j] = col[a];
  }
  for (let a = 0; a < 6; a++) {
    const row = atT(e, t[a]);
    for (let b = 0; b < 6; b++) {
      const off = e.tmp(`mul i32 %stride, ${a * 6 + b}`);
      storeVec(e, e.tmp(`add i32 %dc, ${off}`), row[b]);
    }
  }
  return [
    'define void @wino_dy(i32 %ptrs, i32 %dst, i32 %stride, i32 %bytes) #3 {',
    'entry:',
    ...head.lines,
    '  %any = icmp sgt i32 %bytes, 0',
    '  br i1 %any, label %loop, label %exit',
    'loop:',
    '  %c = phi i32 [0, %entry], [%next, %loop]',
    '  %dc = add i32 %dst, %c',
    ...e.lines,
    '  %next = add i32 %c, 16',
    '  %more = icmp slt i32 %next, %bytes',
    '  br i1 %more, label %loop, label %exit',
    'exit:',
    '  ret void',
    '}',
  ].join('\n');
}

function outputFunction(): string {
  const head = new Emitter('h');
  const ptrs = loadPtrs(head, '%ptrs', 16, 'q');
  head.lines.push('  %relu1 = icmp ne i32 %relu, 0');
  const e = new Emitter('t');
  const m: string[][] = [];
  for (let a = 0; a < 6; a++) {
    m.push([]);
    for (let b = 0; b < 6; b++) {
      const off = e.tmp(`mul i32 %stride, ${a * 6 + b}`);
      m[a].push(loadVec(e, e.tmp(`add i32 %sc, ${off}`)));
    }
  }
  const bias = loadVec(e, e.tmp('add i32 %bias, %c'));
  // Columns: s[i][b] = Σ_a Aᵀ[i][a] m[a][b]; rows: Y[i][j] = Σ_b s[i][b] Aᵀ[j][b].
  const s: string[][] = Array.from({ length: 4 }, () => new Array<string>(6));
  for (let b = 0; b < 6; b++) {
    const col = at(
      e,
      m.map((row) => row[b]),
    );
    for (let i = 0; i < 4; i++) s[i][b] = col[i];
  }
  for (let i = 0; i < 4; i++) {
    const row = at(e, s[i]);
    for (let j = 0; j < 4; j++) {
      const v = e.add(row[j], bias);
      const neg = e.tmp(`fcmp olt <4 x float> ${v}, zeroinitializer`);
      const clamped = e.tmp(`select <4 x i1> ${neg}, <4 x float> zeroinitializer, <4 x float> ${v}`);
      const y = e.tmp(`select i1 %relu1, <4 x float> ${clamped}, <4 x float> ${v}`);
      storeVec(e, e.tmp(`add i32 ${ptrs[i * 4 + j]}, %c`), y);
    }
  }
  return [
    'define void @wino_out(i32 %src, i32 %stride, i32 %ptrs, i32 %bias, i32 %relu, i32 %bytes) #1 {',
    'entry:',
    ...head.lines,
    '  %any = icmp sgt i32 %bytes, 0',
    '  br i1 %any, label %loop, label %exit',
    'loop:',
    '  %c = phi i32 [0, %entry], [%next, %loop]',
    '  %sc = add i32 %src, %c',
    ...e.lines,
    '  %next = add i32 %c, 16',
    '  %more = icmp slt i32 %next, %bytes',
    '  br i1 %more, label %loop, label %exit',
    'exit:',
    '  ret void',
    '}',
  ].join('\n');
}

/**
 * mpg2x2_row(x, rowStride, dy, dx, ow, bytes): MaxPoolGrad of one output row
 * of a 2×2/stride-2 pool (NHWC). x and dx point at input row 2i, dy at output
 * row i; rowStride = bytes between input rows; bytes = channels·4. Each
 * window's gradient goes to its first maximal element in row-major order
 * (later candidates must be strictly greater), like the cpu backend.
 */
function maxPoolGradRowFunction(): string {
  return `define void @mpg2x2_row(i32 %x, i32 %rowStride, i32 %dy, i32 %dx, i32 %ow, i32 %bytes) #4 {
entry:
  %anyj = icmp sgt i32 %ow, 0
  %anyc = icmp sgt i32 %bytes, 0
  %any = and i1 %anyj, %anyc
  br i1 %any, label %jloop, label %exit
jloop:
  %j = phi i32 [0, %entry], [%jn, %jend]
  %j2 = mul i32 %j, 2
  %win = mul i32 %j2, %bytes
  %gj = mul i32 %j, %bytes
  br label %cloop
cloop:
  %c = phi i32 [0, %jloop], [%cn, %cloop]
  %o00 = add i32 %win, %c
  %o01 = add i32 %o00, %bytes
  %o10 = add i32 %o00, %rowStride
  %o11 = add i32 %o01, %rowStride
  %px00 = add i32 %x, %o00
  %px01 = add i32 %x, %o01
  %px10 = add i32 %x, %o10
  %px11 = add i32 %x, %o11
  %q00 = inttoptr i32 %px00 to <4 x float>*
  %q01 = inttoptr i32 %px01 to <4 x float>*
  %q10 = inttoptr i32 %px10 to <4 x float>*
  %q11 = inttoptr i32 %px11 to <4 x float>*
  %a0 = load <4 x float>, <4 x float>* %q00, align 4
  %a1 = load <4 x float>, <4 x float>* %q01, align 4
  %a2 = load <4 x float>, <4 x float>* %q10, align 4
  %a3 = load <4 x float>, <4 x float>* %q11, align 4
  %go = add i32 %gj, %c
  %pg = add i32 %dy, %go
  %qg = inttoptr i32 %pg to <4 x float>*
  %g = load <4 x float>, <4 x float>* %qg, align 4
  %m1 = fcmp ogt <4 x float> %a1, %a0
  %b1 = select <4 x i1> %m1, <4 x float> %a1, <4 x float> %a0
  %m2 = fcmp ogt <4 x float> %a2, %b1
  %b2 = select <4 x i1> %m2, <4 x float> %a2, <4 x float> %b1
  %m3 = fcmp ogt <4 x float> %a3, %b2
  %m23 = or <4 x i1> %m2, %m3
  %m123 = or <4 x i1> %m1, %m23
  %d0 = select <4 x i1> %m123, <4 x float> zeroinitializer, <4 x float> %g
  %g1 = select <4 x i1> %m1, <4 x float> %g, <4 x float> zeroinitializer
  %d1 = select <4 x i1> %m23, <4 x float> zeroinitializer, <4 x float> %g1
  %g2 = select <4 x i1> %m2, <4 x float> %g, <4 x float> zeroinitializer
  %d2 = select <4 x i1> %m3, <4 x float> zeroinitializer, <4 x float> %g2
  %d3 = select <4 x i1> %m3, <4 x float> %g, <4 x float> zeroinitializer
  %pd00 = add i32 %dx, %o00
  %pd01 = add i32 %dx, %o01
  %pd10 = add i32 %dx, %o10
  %pd11 = add i32 %dx, %o11
  %r00 = inttoptr i32 %pd00 to <4 x float>*
  %r01 = inttoptr i32 %pd01 to <4 x float>*
  %r10 = inttoptr i32 %pd10 to <4 x float>*
  %r11 = inttoptr i32 %pd11 to <4 x float>*
  store <4 x float> %d0, <4 x float>* %r00, align 4
  store <4 x float> %d1, <4 x float>* %r01, align 4
  store <4 x float> %d2, <4 x float>* %r10, align 4
  store <4 x float> %d3, <4 x float>* %r11, align 4
  %cn = add i32 %c, 16
  %cmore = icmp slt i32 %cn, %bytes
  br i1 %cmore, label %cloop, label %jend
jend:
  %jn = add i32 %j, 1
  %jmore = icmp slt i32 %jn, %ow
  br i1 %jmore, label %jloop, label %exit
exit:
  ret void
}`;
}

/**
 * sum_rows(x, rows, acc, bytes): acc[c] += Σ_r x[r][c] for `rows` rows of
 * bytes/4 floats, accumulating in float64 (acc holds bytes/4 doubles).
 */
function sumRowsFunction(): string {
  return `define void @sum_rows(i32 %x, i32 %rows, i32 %acc, i32 %bytes) #5 {
entry:
  %anyr = icmp sgt i32 %rows, 0
  %anyc = icmp sgt i32 %bytes, 0
  %any = and i1 %anyr, %anyc
  br i1 %any, label %cloop, label %exit
cloop:
  %c = phi i32 [0, %entry], [%cn, %cend]
  %c2 = mul i32 %c, 2
  %pa = add i32 %acc, %c2
  %pb = add i32 %pa, 16
  %qa = inttoptr i32 %pa to <2 x double>*
  %qb = inttoptr i32 %pb to <2 x double>*
  %a0 = load <2 x double>, <2 x double>* %qa, align 8
  %b0 = load <2 x double>, <2 x double>* %qb, align 8
  %px0 = add i32 %x, %c
  br label %rloop
rloop:
  %r = phi i32 [0, %cloop], [%rn, %rloop]
  %px = phi i32 [%px0, %cloop], [%pxn, %rloop]
  %sa = phi <2 x double> [%a0, %cloop], [%na, %rloop]
  %sb = phi <2 x double> [%b0, %cloop], [%nb, %rloop]
  %q = inttoptr i32 %px to <4 x float>*
  %v = load <4 x float>, <4 x float>* %q, align 4
  %lo = shufflevector <4 x float> %v, <4 x float> undef, <2 x i32> <i32 0, i32 1>
  %hi = shufflevector <4 x float> %v, <4 x float> undef, <2 x i32> <i32 2, i32 3>
  %lod = fpext <2 x float> %lo to <2 x double>
  %hid = fpext <2 x float> %hi to <2 x double>
  %na = fadd <2 x double> %sa, %lod
  %nb = fadd <2 x double> %sb, %hid
  %pxn = add i32 %px, %bytes
  %rn = add i32 %r, 1
  %rmore = icmp slt i32 %rn, %rows
  br i1 %rmore, label %rloop, label %cend
cend:
  store <2 x double> %na, <2 x double>* %qa, align 8
  store <2 x double> %nb, <2 x double>* %qb, align 8
  %cn = add i32 %c, 16
  %cmore = icmp slt i32 %cn, %bytes
  br i1 %cmore, label %cloop, label %exit
exit:
  ret void
}`;
}

export function simdKernelsIr(): string {
  return [
    'target datalayout = "e-m:e-p:32:32-i64:64-n32:64-S128"',
    'target triple = "wasm32-unknown-unknown"',
    '',
    inputFunction(),
    '',
    outputFunction(),
    '',
    inputTransposedFunction(),
    '',
    dyFunction(),
    '',
    maxPoolGradRowFunction(),
    '',
    sumRowsFunction(),
    '',
    'attributes #0 = { nounwind "target-features"="+simd128" "wasm-export-name"="wino_in" }',
    'attributes #1 = { nounwind "target-features"="+simd128" "wasm-export-name"="wino_out" }',
    'attributes #2 = { nounwind "target-features"="+simd128" "wasm-export-name"="wino_in_t" }',
    'attributes #3 = { nounwind "target-features"="+simd128" "wasm-export-name"="wino_dy" }',
    'attributes #4 = { nounwind "target-features"="+simd128" "wasm-export-name"="mpg2x2_row" }',
    'attributes #5 = { nounwind "target-features"="+simd128" "wasm-export-name"="sum_rows" }',
    '',
  ].join('\n');
}
