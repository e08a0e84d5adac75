// ONNX Runtime peer for livecam's benchmarks. A line protocol on stdin so
// that a Go driver can interleave its runs with livecam's:
//   init MODEL.onnx THREADS SIZE  -> {"ok":true,"input":"..."}
//   run N                         -> {"ms":[...]}   (N timed inferences)
//   logits                        -> {"logits":[...]} (on the fixed input)
// The input is a fixed NHWC image in [-1, 1] (see init), fed as NCHW.
'use strict';
const ort = require('onnxruntime-node');
const readline = require('readline');

let session, feeds, inputName;

async function handle(line) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'init') {
    const [model, threads, size] = [args[0], Number(args[1]), Number(args[2] || 224)];
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    inputName = session.inputNames[0];
    // The image is defined in NHWC order (value sin(i) at NHWC index i,
    // as livecam's side builds it) and transposed to the NCHW the ONNX
    // export expects.
    const hw = size * size;
    const data = new Float32Array(hw * 3);
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) data[c * hw + p] = Math.sin(p * 3 + c);
    feeds = { [inputName]: new ort.Tensor('float32', data, [1, 3, size, size]) };
    for (let i = 0; i < 10; i++) await session.run(feeds); // warm-up
    return { ok: true, input: inputName, outputs: session.outputNames };
  }
  if (cmd === 'run') {
    const ms = [];
    for (let i = 0; i < Number(args[0]); i++) {
      const t = process.hrtime.bigint();
      await session.run(feeds);
      ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    return { ms };
  }
  if (cmd === 'logits') {
    const out = await session.run(feeds);
    return { logits: Array.from(out[session.outputNames[0]].data) };
  }
  throw new Error('unknown command ' + cmd);
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(() => handle(line))
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e) => process.stdout.write(JSON.stringify({ error: String(e) }) + '\n'));
});
rl.on('close', () => queue.then(() => process.exit(0)));
