// Times ONNX Runtime (onnxruntime-node) on one ONNX model: InferenceSession.run
// with intraOpNumThreads T, W warm-up runs, then N timed runs; prints one JSON
// line with the median (and min) in milliseconds. Input: ones, like `wick bench`.
//
//   node bench/ort_bench.js MODEL.onnx --threads T --iters N [--warmup W]
//
// Install once: npm install --ignore-scripts --no-save --prefix bench onnxruntime-node
'use strict';
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : dflt;
}

async function main() {
  const model = process.argv[2];
  const threads = parseInt(arg('--threads', '1'), 10);
  const iters = parseInt(arg('--iters', '50'), 10);
  const warmup = parseInt(arg('--warmup', '5'), 10);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const feeds = {};
  for (const name of session.inputNames) {
    const meta = session.inputMetadata ? session.inputMetadata.find((m) => m.name === name) : null;
    let dims = meta && meta.shape ? meta.shape.map((d) => (typeof d === 'number' ? d : 1)) : null;
    if (!dims) throw new Error('cannot read the shape of input ' + name);
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor('float32', new Float32Array(n).fill(1), dims);
  }
  for (let i = 0; i < warmup; i++) await session.run(feeds);
  const times = [];
  for (let i = 0; i < iters; i++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  const median = times.length % 2 ? times[mid] : (times[mid - 1] + times[mid]) / 2;
  console.log(JSON.stringify({ model, threads, iters, median_ms: median, min_ms: times[0], ort: ort.env.versions ? ort.env.versions.common : undefined }));
}

main().catch((e) => {
  console.error('ort_bench: ' + (e && e.message ? e.message : e));
  process.exit(1);
});
