// node docs/experiments/orl-baselines/dump.js MODEL_DIR SUBJECTS(comma) OUT.json
const fs = require('fs'); const path = require('path');
const { Embedder } = require(require("path").resolve(__dirname, "../../../dist/embedding/embedder"));
const { initBackend } = require(require("path").resolve(__dirname, "../../../dist/embedding/backend"));
(async () => {
  const [dir, subs, out] = process.argv.slice(2);
  await initBackend('wasm');
  const e = await Embedder.fromDir(dir, { backend: 'wasm' });
  const rows = [];
  for (const s of subs.split(',')) {
    const imgs = []; const names = [];
    for (let j = 1; j <= 10; j++) { imgs.push(fs.readFileSync(`/work/shared/datasets/orl-faces/${s}/${j}.png`)); names.push(j); }
    const embs = await e.embedImages(imgs);
    embs.forEach((v, i) => rows.push({ s, j: names[i], v: Array.from(v) }));
  }
  fs.writeFileSync(out, JSON.stringify(rows));
  console.log(out, rows.length);
  process.exit(0);
})();
