// ONNX Runtime peer for livecam's benchmarks. A line protocol on stdin so
// that a Go driver can interleave its runs with livecam's:
//   init MODEL.onnx THREADS SIZE [u8|raw] -> {"ok":true,"input":"..."}
//   run N                         -> {"ms":[...]}   (N timed inferences)
//   logits                        -> {"logits":[...]} (on the fixed input)
//   infer FILE [DIMS...]          -> {"outputs":{NAME:[...]}} (u8 models: the
//                                    bytes of FILE as the input, of shape DIMS,
//                                    by default 1 SIZE SIZE 3: NHWC)
// The input is a fixed NHWC image in [-1, 1] (see init), fed as NCHW; with
// u8 (a uint8 model with an NHWC input, net/onnx.WriteQuant) the bytes
// i*7 mod 256 at NHWC index i, as livecam's uint8 benchmark builds them;
// with raw (a uint8 model of any input shape) none: only infer runs it.
'use strict';
const ort = require('onnxruntime-node');
const readline = require('readline');
const fs = require('fs');

let session, feeds, inputName, size;

async function handle(line) {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'init') {
    const [model, threads, u8, raw] = [args[0], Number(args[1]), args[3] === 'u8', args[3] === 'raw'];
    size = Number(args[2] || 224);
    if (session) await session.release();
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    inputName = session.inputNames[0];
    if (raw) return { ok: true, input: inputName, outputs: session.outputNames };
    // The image is defined in NHWC order (value sin(i) at NHWC index i,
    // as livecam's side builds it) and transposed to the NCHW the ONNX
    // export expects.
    const hw = size * size;
    if (u8) {
      const rgb = new Uint8Array(hw * 3);
      for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) & 255;
      feeds = { [inputName]: u8Tensor(rgb) };
    } else {
      const data = new Float32Array(hw * 3);
      for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) data[c * hw + p] = Math.sin(p * 3 + c);
      feeds = { [inputName]: new ort.Tensor('float32', data, [1, 3, size, size]) };
    }
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
  if (cmd === 'infer') {
    const bytes = fs.readFileSync(args[0]);
    const dims = args.length > 1 ? args.slice(1).map(Number) : [1, size, size, 3];
    const n = dims.reduce((a, b) => a * b, 1);
    if (bytes.length !== n) throw new Error(`${args[0]}: ${bytes.length} bytes, want ${n} for [${dims}]`);
    const out = await session.run({ [inputName]: new ort.Tensor('uint8', new Uint8Array(bytes), dims) });
    const outputs = {};
    for (const name of session.outputNames) outputs[name] = Array.from(out[name].data);
    return { outputs };
  }
  throw new Error('unknown command ' + cmd);
}

// u8Tensor is a uint8 NHWC tensor of the bytes.
function u8Tensor(rgb) {
  return new ort.Tensor('uint8', new Uint8Array(rgb), [1, size, size, 3]);
}

const rl = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
rl.on('line', (line) => {
  queue = queue.then(() => handle(line))
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e) => process.stdout.write(JSON.stringify({ error: String(e) }) + '\n'));
});
rl.on('close', () => queue.then(() => process.exit(0)));
