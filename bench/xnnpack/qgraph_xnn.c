// qgraph_xnn runs a uint8 TFLite graph on XNNPACK's qu8 operators (Debian's libxnnpack-dev,
// git 2022-02-16), the way TensorFlow Lite runs it with its XNNPACK delegate: the delegate takes the
// convolutions (and LOGISTIC), TFLite's own builtin kernels run CONCATENATION and the custom
// TFLite_Detection_PostProcess. It is livecam's peer for the SSD-MobileNet detector (BenchmarkDetect
// in ../detect_test.go); MobileNet V1 and V2 files run through it too.
//
// The graph comes from livecam's exporter (writeQGraph in ../qgraph_test.go, from net/tflite's reader)
// as a flat ".qgraph" file: tensors by index, operators in file order (layout below, all little-endian).
//
// Build: cc -O2 -o qgraph_xnn qgraph_xnn.c -lXNNPACK -lpthreadpool -lm
// Run:   ./qgraph_xnn G.qgraph infer IN.rgb OUT        the graph's outputs, concatenated in order (for the
//                                                       detector: boxes, classes, scores, count, 61 float32)
//        ./qgraph_xnn G.qgraph dump IN.rgb OUTDIR      every tensor an operator writes, OUTDIR/tNNN.bin
//                                                       (NNN its index; planned without buffer reuse)
//        ./qgraph_xnn G.qgraph bench THREADS RUNS [IN.rgb]
//            -> {"runtime":"xnnpack","model":...,"threads":1,"runs":N,"median_ms":..,"min_ms":..,
//                "net_median_ms":..,"post_median_ms":..}
//               median_ms: the whole graph per run (network and postprocess); net_: every operator but
//               TFLite_Detection_PostProcess; post_: that one alone (each the median over the runs).
//               The input is IN.rgb when given, else pseudo-random bytes.
//
// Operator mapping:
//   CONV_2D            -> xnn_create_convolution2d_nhwc_qu8 (OHWI filter, explicit pads from the file,
//                         dilation, the fused activation's clamp from the file)
//   DEPTHWISE_CONV_2D  -> the same with groups = input channels, XNN_FLAG_DEPTHWISE_CONVOLUTION (1HWC)
//   RESHAPE            -> nothing: the output tensor aliases the input's bytes
//   CONCATENATION      -> TFLite's builtin uint8 kernel (ConcatenationWithScaling) in plain C: an input
//                         quantized like the output is copied, any other one requantized in float32
//   LOGISTIC           -> xnn_create_sigmoid_nc_qu8; if this XNNPACK refuses the parameters, TFLite's
//                         256-entry table
//   ADD                -> xnn_create_add_nd_qu8
//   AVERAGE_POOL_2D    -> global_average_pooling_nwc_qu8 over a whole map, else average_pooling2d_nhwc_qu8
//   SOFTMAX            -> xnn_create_softmax_nc_qu8 (beta 1 only)
//   TFLite_Detection_PostProcess -> TFLite's kernel in plain C, fast NMS: dequantize the box encodings,
//                         anchors and scores to float32, decode every box (float64 steps, as TFLite
//                         does), per anchor the first maximum over the non-background classes,
//                         candidates at or above the score threshold, stable sort by score, greedy
//                         class-agnostic NMS (IoU > threshold suppresses; a suppressed box suppresses
//                         nothing), the first max_detections taken.
// Activation buffers are planned once: a tensor's buffer returns to a free list after its last reader
// (RESHAPE aliases extend the life of the bytes they share); the graph's inputs and outputs keep theirs.
//
// File layout ("QGRAPHV1"):
//   magic[8] = "QGRAPHV1"; int32 n_tensors, n_ops, n_inputs, n_outputs; int32 inputs[n_inputs];
//   int32 outputs[n_outputs];
//   per tensor: int32 type (TFLite TensorType: 0 float32, 2 int32, 3 uint8, 9 int8), int32 ndims,
//               int32 dims[ndims], float32 scale, int32 zero_point (0, 0 when not quantized),
//               int32 nbytes, then nbytes of constant data (0 for an activation)
//   per op:     int32 kind, n_in, n_out, in[n_in] (-1: absent), out[n_out], int32 p[16]:
//     CONV_2D (1), DEPTHWISE_CONV_2D (2): kh kw sh sw pad_top pad_left pad_bottom pad_right dil_h dil_w
//                                         act_min act_max depth_multiplier
//     RESHAPE (3): -          CONCATENATION (4): axis (>= 0)          LOGISTIC (5): -
//     TFLite_Detection_PostProcess (6): max_detections max_classes_per_detection num_classes
//                                       use_regular_nms, then as float32 bits: score_threshold
//                                       iou_threshold y_scale x_scale h_scale w_scale
//     ADD (7): act_min act_max
//     AVERAGE_POOL_2D (8): kh kw sh sw pad_top pad_left pad_bottom pad_right act_min act_max
//     SOFTMAX (9): beta as float32 bits
#include <xnnpack.h>
#include <pthreadpool.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { K_CONV = 1, K_DW = 2, K_RESHAPE = 3, K_CONCAT = 4, K_LOGISTIC = 5, K_POSTPROCESS = 6, K_ADD = 7,
       K_AVGPOOL = 8, K_SOFTMAX = 9 };
enum { T_FLOAT32 = 0, T_INT32 = 2, T_UINT8 = 3, T_INT8 = 9 };
#define MAXDIMS 8
#define MAXIO 16

typedef struct {
  int32_t type, ndims, dims[MAXDIMS];
  float scale;
  int32_t zp;
  int32_t nbytes;
  uint8_t *data;       // constant bytes, or NULL
  uint8_t *buf;        // where the tensor lives (data for a constant)
  size_t count;        // elements
  int root;            // the tensor whose buffer this one aliases (itself unless RESHAPE'd)
  int last_use;        // the last op reading it (through any alias), -1: none
  int pinned;          // a graph input or output: never reused
} tensor;

typedef struct {
  int32_t kind, nin, nout, in[MAXIO], out[MAXIO];
  int32_t p[16];
  xnn_operator_t op;   // XNNPACK's operator, or NULL when run in plain C
  uint8_t lut[256];    // LOGISTIC by table when XNNPACK refuses it
} node;

static tensor *T;
static node *N;
static int nt, nn, nin_g, nout_g;
static int32_t *gin, *gout;
static const char *prog = "qgraph_xnn";

static void die(const char *m) { fprintf(stderr, "%s: %s\n", prog, m); exit(1); }
static void dief(const char *f, int i, const char *m) { fprintf(stderr, "%s: %s %d: %s\n", prog, f, i, m); exit(1); }
static void check(enum xnn_status s, int op, const char *what) {
  if (s != xnn_status_success) {
    fprintf(stderr, "%s: operator %d: xnnpack %s failed (status %d)\n", prog, op, what, s);
    exit(1);
  }
}
static double now_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static int cmp_double(const void *a, const void *b) { double x = *(double *)a, y = *(double *)b; return x < y ? -1 : x > y; }
static float f32(int32_t bits) { float f; memcpy(&f, &bits, 4); return f; }
static size_t elsize(int32_t type) { return type == T_FLOAT32 || type == T_INT32 ? 4 : 1; }

static FILE *in_file;
static void rd(void *p, size_t n) { if (n && fread(p, 1, n, in_file) != n) die("short read in .qgraph"); }
static int32_t rd32(void) { int32_t v; rd(&v, 4); return v; }

static int tensor_index(int32_t t, int op) {
  if (t < 0 || t >= nt) dief("operator", op, "tensor index out of range");
  return t;
}

static void load(const char *path) {
  in_file = fopen(path, "rb");
  if (!in_file) die("cannot open the .qgraph file");
  char magic[8];
  rd(magic, 8);
  if (memcmp(magic, "QGRAPHV1", 8)) die("bad .qgraph magic");
  nt = rd32(); nn = rd32(); nin_g = rd32(); nout_g = rd32();
  if (nt <= 0 || nt > 100000 || nn <= 0 || nn > 100000 || nin_g != 1 || nout_g <= 0 || nout_g > MAXIO)
    die("bad counts in the header (one input, 1-16 outputs)");
  gin = malloc(4 * nin_g); gout = malloc(4 * nout_g);
  rd(gin, 4 * nin_g); rd(gout, 4 * nout_g);
  T = calloc(nt, sizeof *T);
  for (int i = 0; i < nt; i++) {
    tensor *t = &T[i];
    t->type = rd32(); t->ndims = rd32();
    if (t->ndims < 0 || t->ndims > MAXDIMS) dief("tensor", i, "bad rank");
    t->count = 1;
    for (int d = 0; d < t->ndims; d++) {
      t->dims[d] = rd32();
      if (t->dims[d] <= 0 || t->dims[d] > (1 << 24)) dief("tensor", i, "bad dimension");
      t->count *= t->dims[d];
    }
    rd(&t->scale, 4); t->zp = rd32(); t->nbytes = rd32();
    if (t->nbytes < 0 || t->nbytes > (1 << 28)) dief("tensor", i, "bad size");
    if (t->nbytes) {
      if ((size_t)t->nbytes != t->count * elsize(t->type)) dief("tensor", i, "data size does not match the shape");
      t->data = malloc(t->nbytes + 64);
      rd(t->data, t->nbytes);
      t->buf = t->data;
    }
    t->root = i; t->last_use = -1;
  }
  for (int i = 0; i < nin_g; i++) T[tensor_index(gin[i], -1)].pinned = 1;
  for (int i = 0; i < nout_g; i++) T[tensor_index(gout[i], -1)].pinned = 1;
  N = calloc(nn, sizeof *N);
  for (int i = 0; i < nn; i++) {
    node *o = &N[i];
    o->kind = rd32(); o->nin = rd32(); o->nout = rd32();
    if (o->nin < 0 || o->nin > MAXIO || o->nout < 1 || o->nout > MAXIO) dief("operator", i, "bad input or output count");
    rd(o->in, 4 * o->nin); rd(o->out, 4 * o->nout); rd(o->p, sizeof o->p);
    for (int k = 0; k < o->nin; k++) if (o->in[k] >= 0) tensor_index(o->in[k], i);
    for (int k = 0; k < o->nout; k++) tensor_index(o->out[k], i);
  }
  fclose(in_file);
}

// Buffer planning: a free list of buffers, first fit by size.
typedef struct { uint8_t *p; size_t size; int free; } block;
static block *blocks;
static int nblocks, reuse = 1;
static uint8_t *take(size_t size) {
  int best = -1;
  for (int b = 0; b < nblocks; b++)
    if (blocks[b].free && blocks[b].size >= size && (best < 0 || blocks[b].size < blocks[best].size)) best = b;
  if (best >= 0) { blocks[best].free = 0; return blocks[best].p; }
  blocks = realloc(blocks, (nblocks + 1) * sizeof *blocks);
  blocks[nblocks] = (block){calloc(size + 64, 1), size, 0};
  return blocks[nblocks++].p;
}
static void give_back(uint8_t *p) {
  for (int b = 0; b < nblocks; b++) if (blocks[b].p == p) { blocks[b].free = 1; return; }
}

static tensor *in_t(node *o, int k) { return &T[o->in[k]]; }
static tensor *out_t(node *o, int k) { return &T[o->out[k]]; }
static int hwc(const tensor *t, size_t *h, size_t *w, size_t *c) {
  if (t->ndims != 4 || t->dims[0] != 1) return 0;
  *h = t->dims[1]; *w = t->dims[2]; *c = t->dims[3];
  return 1;
}

static void plan(void) {
  // Aliases first (RESHAPE), then every root's last reader.
  for (int i = 0; i < nn; i++) {
    node *o = &N[i];
    if (o->kind == K_RESHAPE) {
      if (o->nin < 1 || out_t(o, 0)->count != in_t(o, 0)->count) dief("operator", i, "RESHAPE changes the element count");
      out_t(o, 0)->root = in_t(o, 0)->root;
    }
  }
  for (int i = 0; i < nn; i++) {   // the postprocess sizes its outputs itself, as in TFLite's Prepare
    node *o = &N[i];
    if (o->kind != K_POSTPROCESS || o->nout != 4) continue;
    if (o->p[0] < 1 || o->p[0] > 100000) dief("operator", i, "bad max_detections");
    int32_t d = o->p[0];
    out_t(o, 0)->ndims = 3; out_t(o, 0)->dims[0] = 1; out_t(o, 0)->dims[1] = d; out_t(o, 0)->dims[2] = 4;
    out_t(o, 0)->count = 4 * (size_t)d;
    for (int k = 1; k <= 2; k++) {
      out_t(o, k)->ndims = 2; out_t(o, k)->dims[0] = 1; out_t(o, k)->dims[1] = d; out_t(o, k)->count = d;
    }
    out_t(o, 3)->ndims = 1; out_t(o, 3)->dims[0] = 1; out_t(o, 3)->count = 1;
  }
  for (int i = 0; i < nn; i++)
    for (int k = 0; k < N[i].nin; k++)
      if (N[i].in[k] >= 0) T[T[N[i].in[k]].root].last_use = i;
  for (int i = 0; i < nt; i++) if (T[i].pinned) T[T[i].root].pinned = 1;
  for (int i = 0; i < nin_g; i++) {
    tensor *t = &T[gin[i]];
    if (t->type != T_UINT8) die("the graph's input is not uint8");
    t->buf = take(t->count);
  }
  for (int i = 0; i < nn; i++) {
    node *o = &N[i];
    for (int k = 0; k < o->nout; k++) {
      tensor *t = out_t(o, k);
      if (t->data) dief("operator", i, "writes a constant tensor");
      if (o->kind == K_RESHAPE) t->buf = T[t->root].buf;
      else t->buf = take(t->count * elsize(t->type));
    }
    for (int k = 0; k < o->nin; k++) {   // buffers whose last reader this is go back to the list
      if (o->in[k] < 0) continue;
      tensor *r = &T[T[o->in[k]].root];
      if (reuse && r->last_use == i && !r->pinned && !r->data && r->buf) { give_back(r->buf); r->last_use = -2; }
    }
  }
}

// TFLite's LOGISTIC table (reference_integer_ops LUT, float32 steps).
static void logistic_lut(uint8_t lut[256], const tensor *x, const tensor *y) {
  for (int v = 0; v < 256; v++) {
    float d = x->scale * (float)(v - x->zp);
    float f = 1.0f / (1.0f + expf(-d));
    int q = (int)(roundf(f / y->scale) + y->zp);
    lut[v] = q < 0 ? 0 : q > 255 ? 255 : q;
  }
}

static void build(pthreadpool_t pool) {
  for (int i = 0; i < nn; i++) {
    node *o = &N[i];
    int32_t *p = o->p;
    o->op = NULL;
    switch (o->kind) {
    case K_CONV:
    case K_DW: {
      tensor *x = in_t(o, 0), *w = in_t(o, 1), *b = o->nin > 2 && o->in[2] >= 0 ? in_t(o, 2) : NULL, *y = out_t(o, 0);
      size_t ih, iw, ic, oh, ow, oc;
      if (!hwc(x, &ih, &iw, &ic) || !hwc(y, &oh, &ow, &oc)) dief("operator", i, "convolution tensors are not [1,H,W,C]");
      if (x->type != T_UINT8 || w->type != T_UINT8 || y->type != T_UINT8 || !w->data) dief("operator", i, "not a uint8 convolution with constant weights");
      if (b && (b->type != T_INT32 || !b->data || (size_t)b->count != oc)) dief("operator", i, "bias is not int32[out channels]");
      int32_t *bias = b ? (int32_t *)b->data : calloc(oc, 4);
      if (o->kind == K_CONV) {
        if ((size_t)w->dims[3] != ic || (size_t)w->dims[0] != oc) dief("operator", i, "filter shape does not match");
        check(xnn_create_convolution2d_nhwc_qu8(p[4], p[7], p[6], p[5], p[0], p[1], p[2], p[3], p[8], p[9],
              1, ic, oc, ic, oc, x->zp, x->scale, w->zp, w->scale, w->data, bias, y->zp, y->scale, p[10], p[11],
              0, &o->op), i, "create convolution");
      } else {
        if ((size_t)w->dims[3] != oc || oc != ic * (size_t)p[12]) dief("operator", i, "depthwise filter shape does not match");
        check(xnn_create_convolution2d_nhwc_qu8(p[4], p[7], p[6], p[5], p[0], p[1], p[2], p[3], p[8], p[9],
              ic, 1, p[12], ic, oc, x->zp, x->scale, w->zp, w->scale, w->data, bias, y->zp, y->scale, p[10], p[11],
              XNN_FLAG_DEPTHWISE_CONVOLUTION, &o->op), i, "create depthwise convolution");
      }
      check(xnn_setup_convolution2d_nhwc_qu8(o->op, 1, ih, iw, x->buf, y->buf, pool), i, "setup convolution");
      break;
    }
    case K_RESHAPE:
      break;
    case K_CONCAT: {
      tensor *y = out_t(o, 0);
      if (y->type != T_UINT8 || p[0] < 0 || p[0] >= y->ndims) dief("operator", i, "not a uint8 concatenation on a valid axis");
      for (int k = 0; k < o->nin; k++) {
        tensor *x = in_t(o, k);
        if (x->type != T_UINT8 || x->ndims != y->ndims) dief("operator", i, "concatenation input is not uint8 of the output's rank");
      }
      break;
    }
    case K_LOGISTIC: {
      tensor *x = in_t(o, 0), *y = out_t(o, 0);
      if (x->type != T_UINT8 || y->type != T_UINT8) dief("operator", i, "not a uint8 LOGISTIC");
      size_t c = x->ndims ? (size_t)x->dims[x->ndims - 1] : 1;
      enum xnn_status s = xnn_create_sigmoid_nc_qu8(c, c, c, x->zp, x->scale, y->zp, y->scale, 0, 255, 0, &o->op);
      if (s == xnn_status_success) {
        check(xnn_setup_sigmoid_nc_qu8(o->op, x->count / c, x->buf, y->buf, pool), i, "setup sigmoid");
      } else {
        o->op = NULL;
        logistic_lut(o->lut, x, y);
        fprintf(stderr, "%s: operator %d: XNNPACK's sigmoid refused (status %d), using TFLite's table\n", prog, i, s);
      }
      break;
    }
    case K_POSTPROCESS: {
      if (o->nin != 3 || o->nout != 4) dief("operator", i, "TFLite_Detection_PostProcess needs 3 inputs and 4 outputs");
      if (p[1] != 1 || p[3] != 0) dief("operator", i, "only fast NMS with one class per detection is mapped");
      tensor *be = in_t(o, 0), *sc = in_t(o, 1), *an = in_t(o, 2);
      size_t nb = be->count / 4;
      if (be->count % 4 || an->count != nb * 4 || sc->count % nb || p[2] < 1 ||
          (sc->count / nb != (size_t)p[2] && sc->count / nb != (size_t)p[2] + 1))
        dief("operator", i, "postprocess shapes do not agree");
      if (be->type != T_UINT8 || sc->type != T_UINT8 || (an->type != T_UINT8 && an->type != T_FLOAT32))
        dief("operator", i, "postprocess inputs are not uint8");
      for (int k = 0; k < 4; k++) if (out_t(o, k)->type != T_FLOAT32) dief("operator", i, "postprocess outputs are not float32");
      break;
    }
    case K_ADD: {
      tensor *a = in_t(o, 0), *b = in_t(o, 1), *y = out_t(o, 0);
      size_t sa[MAXDIMS], sb[MAXDIMS];
      for (int d = 0; d < a->ndims; d++) sa[d] = a->dims[d];
      for (int d = 0; d < b->ndims; d++) sb[d] = b->dims[d];
      check(xnn_create_add_nd_qu8(a->zp, a->scale, b->zp, b->scale, y->zp, y->scale, p[0], p[1], 0, &o->op), i, "create add");
      check(xnn_setup_add_nd_qu8(o->op, a->ndims, sa, b->ndims, sb, a->buf, b->buf, y->buf, pool), i, "setup add");
      break;
    }
    case K_AVGPOOL: {
      tensor *x = in_t(o, 0), *y = out_t(o, 0);
      size_t ih, iw, ic, oh, ow, oc;
      if (!hwc(x, &ih, &iw, &ic) || !hwc(y, &oh, &ow, &oc)) dief("operator", i, "pool tensors are not [1,H,W,C]");
      if ((size_t)p[0] == ih && (size_t)p[1] == iw && oh == 1 && ow == 1) {
        check(xnn_create_global_average_pooling_nwc_qu8(ic, ic, ic, x->zp, x->scale, y->zp, y->scale, p[8], p[9], 0, &o->op), i, "create global pool");
        check(xnn_setup_global_average_pooling_nwc_qu8(o->op, 1, ih * iw, x->buf, y->buf, pool), i, "setup global pool");
      } else {
        check(xnn_create_average_pooling2d_nhwc_qu8(p[4], p[7], p[6], p[5], p[0], p[1], p[2], p[3], ic, ic, ic,
              x->zp, x->scale, y->zp, y->scale, p[8], p[9], 0, &o->op), i, "create average pool");
        check(xnn_setup_average_pooling2d_nhwc_qu8(o->op, 1, ih, iw, x->buf, y->buf, pool), i, "setup average pool");
      }
      break;
    }
    case K_SOFTMAX: {
      tensor *x = in_t(o, 0), *y = out_t(o, 0);
      if (f32(p[0]) != 1.0f) dief("operator", i, "SOFTMAX with beta other than 1 is not mapped");
      size_t c = x->dims[x->ndims - 1];
      check(xnn_create_softmax_nc_qu8(c, c, c, x->scale, y->zp, y->scale, 0, &o->op), i, "create softmax");
      check(xnn_setup_softmax_nc_qu8(o->op, x->count / c, x->buf, y->buf, pool), i, "setup softmax");
      break;
    }
    default:
      dief("operator", i, "unsupported operator kind");
    }
  }
}

// CONCATENATION: TFLite's uint8 ConcatenationWithScaling.
static void concat(node *o) {
  tensor *y = out_t(o, 0);
  int axis = o->p[0];
  size_t outer = 1;
  for (int d = 0; d < axis; d++) outer *= y->dims[d];
  uint8_t *dst = y->buf;
  const float inv = 1.0f / y->scale;
  for (size_t k = 0; k < outer; k++) {
    for (int i = 0; i < o->nin; i++) {
      tensor *x = in_t(o, i);
      size_t n = x->count / outer;
      const uint8_t *src = x->buf + k * n;
      if (x->zp == y->zp && x->scale == y->scale) {
        memcpy(dst, src, n);
      } else {
        const float s = x->scale * inv;
        const float b = (float)(-x->zp) * s;
        for (size_t j = 0; j < n; j++) {
          float t = (float)src[j] * s;
          int32_t v = (int32_t)roundf(t + b) + y->zp;
          dst[j] = v < 0 ? 0 : v > 255 ? 255 : v;
        }
      }
      dst += n;
    }
  }
}

// TFLite_Detection_PostProcess, fast NMS (detection_postprocess.cc).
typedef struct { float score; int idx; } cand;
static int cmp_cand(const void *a, const void *b) {
  const cand *x = a, *y = b;
  if (x->score != y->score) return x->score > y->score ? -1 : 1;
  return x->idx - y->idx;   // equal scores keep anchor order: std::stable_sort
}
static float *pp_boxes, *pp_scores, *pp_max, *pp_anchors, *pp_enc;
static cand *pp_cand;
static uint8_t *pp_active;
static int *pp_selected;

static float iou(const float *a, const float *b) {
  float area_a = (a[2] - a[0]) * (a[3] - a[1]), area_b = (b[2] - b[0]) * (b[3] - b[1]);
  if (area_a <= 0 || area_b <= 0) return 0;
  float ymin = fmaxf(a[0], b[0]), xmin = fmaxf(a[1], b[1]), ymax = fminf(a[2], b[2]), xmax = fminf(a[3], b[3]);
  float inter = fmaxf(ymax - ymin, 0.0f) * fmaxf(xmax - xmin, 0.0f);
  return inter / ((area_a + area_b) - inter);
}

static void postprocess(node *o) {
  tensor *be = in_t(o, 0), *sc = in_t(o, 1), *an = in_t(o, 2);
  int nb = be->count / 4, ncls = o->p[2], ncb = sc->count / nb, maxdet = o->p[0];
  float score_thr = f32(o->p[4]), iou_thr = f32(o->p[5]);
  double ys = f32(o->p[6]), xs = f32(o->p[7]), hs = f32(o->p[8]), ws = f32(o->p[9]);
  if (!pp_boxes) {
    pp_boxes = malloc(sizeof(float) * 4 * nb); pp_enc = malloc(sizeof(float) * 4 * nb);
    pp_anchors = malloc(sizeof(float) * 4 * nb); pp_scores = malloc(sizeof(float) * (size_t)nb * ncb);
    pp_max = malloc(sizeof(float) * nb); pp_cand = malloc(sizeof(cand) * nb);
    pp_active = malloc(nb); pp_selected = malloc(sizeof(int) * nb);
  }
  // Decode: dequantize the encodings and anchors, then the center-size arithmetic.
  for (int i = 0; i < 4 * nb; i++) pp_enc[i] = ((float)be->buf[i] - (float)be->zp) * be->scale;
  if (an->type == T_FLOAT32) memcpy(pp_anchors, an->buf, sizeof(float) * 4 * nb);
  else for (int i = 0; i < 4 * nb; i++) pp_anchors[i] = ((float)an->buf[i] - (float)an->zp) * an->scale;
  for (int i = 0; i < nb; i++) {
    const float *e = pp_enc + 4 * i, *a = pp_anchors + 4 * i;   // e: ty tx th tw; a: yc xc h w
    float yc = (float)((double)e[0] / ys * (double)a[2] + (double)a[0]);
    float xc = (float)((double)e[1] / xs * (double)a[3] + (double)a[1]);
    float hh = (float)(0.5 * exp((double)e[2] / hs) * (double)a[2]);
    float hw = (float)(0.5 * exp((double)e[3] / ws) * (double)a[3]);
    float *bx = pp_boxes + 4 * i;
    bx[0] = yc - hh; bx[1] = xc - hw; bx[2] = yc + hh; bx[3] = xc + hw;
  }
  // Scores: dequantize all, then per anchor the first maximum over the non-background classes.
  for (size_t i = 0; i < (size_t)nb * ncb; i++) pp_scores[i] = ((float)sc->buf[i] - (float)sc->zp) * sc->scale;
  static int *best_cls;
  if (!best_cls) best_cls = malloc(sizeof(int) * nb);
  for (int i = 0; i < nb; i++) {
    const float *s = pp_scores + (size_t)i * ncb + (ncb - ncls);
    int best = 0;
    for (int c = 1; c < ncls; c++) if (s[c] > s[best]) best = c;
    best_cls[i] = best;
    pp_max[i] = s[best];
  }
  // Candidates, stable sort, greedy NMS.
  int nc = 0;
  for (int i = 0; i < nb; i++) if (pp_max[i] >= score_thr) pp_cand[nc++] = (cand){pp_max[i], i};
  qsort(pp_cand, nc, sizeof(cand), cmp_cand);
  int outn = nc < maxdet ? nc : maxdet, nsel = 0, nactive = nc;
  memset(pp_active, 1, nc);
  for (int i = 0; i < nc; i++) {
    if (nactive == 0 || nsel >= outn) break;
    if (!pp_active[i]) continue;
    pp_selected[nsel++] = pp_cand[i].idx;
    pp_active[i] = 0;
    nactive--;
    const float *bi = pp_boxes + 4 * pp_cand[i].idx;
    for (int j = i + 1; j < nc; j++) {
      if (!pp_active[j]) continue;
      if (iou(bi, pp_boxes + 4 * pp_cand[j].idx) > iou_thr) { pp_active[j] = 0; nactive--; }
    }
  }
  float *ob = (float *)out_t(o, 0)->buf, *oc = (float *)out_t(o, 1)->buf, *os = (float *)out_t(o, 2)->buf,
        *on = (float *)out_t(o, 3)->buf;
  for (int k = 0; k < nsel; k++) {
    int a = pp_selected[k];
    memcpy(ob + 4 * k, pp_boxes + 4 * a, 16);
    oc[k] = (float)best_cls[a];
    os[k] = pp_max[a];
  }
  on[0] = (float)nsel;
}

static void run_op(pthreadpool_t pool, int i) {
  node *o = &N[i];
  if (o->op) { check(xnn_run_operator(o->op, pool), i, "run"); return; }
  switch (o->kind) {
  case K_CONCAT: concat(o); break;
  case K_LOGISTIC: {
    tensor *x = in_t(o, 0), *y = out_t(o, 0);
    for (size_t j = 0; j < x->count; j++) y->buf[j] = o->lut[x->buf[j]];
    break;
  }
  case K_POSTPROCESS: postprocess(o); break;
  }
}

// forward runs the graph; *net_ms and *post_ms get the time outside and inside the postprocess.
static void forward(pthreadpool_t pool, double *net_ms, double *post_ms) {
  double t0 = now_ms(), post = 0;
  for (int i = 0; i < nn; i++) {
    if (N[i].kind == K_POSTPROCESS) {
      double p0 = now_ms();
      run_op(pool, i);
      post += now_ms() - p0;
    } else {
      run_op(pool, i);
    }
  }
  double total = now_ms() - t0;
  if (net_ms) *net_ms = total - post;
  if (post_ms) *post_ms = post;
}

static void read_rgb(const char *path) {
  tensor *t = &T[gin[0]];
  FILE *f = fopen(path, "rb");
  if (!f) { fprintf(stderr, "%s: cannot open %s\n", prog, path); exit(1); }
  if (fread(t->buf, 1, t->count, f) != t->count) { fprintf(stderr, "%s: %s is shorter than %zu bytes\n", prog, path, t->count); exit(1); }
  fclose(f);
}

static double median(double *v, int n) { qsort(v, n, sizeof *v, cmp_double); return v[n / 2]; }

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: qgraph_xnn G.qgraph infer IN.rgb OUT | dump IN.rgb OUTDIR | bench THREADS RUNS [IN.rgb]\n");
    return 2;
  }
  check(xnn_initialize(NULL), -1, "initialize");
  load(argv[1]);
  const char *mode = argv[2];
  int threads = (!strcmp(mode, "bench") && argc > 3) ? atoi(argv[3]) : 1;
  if (threads < 1) die("threads must be >= 1");
  pthreadpool_t pool = threads > 1 ? pthreadpool_create(threads) : NULL;
  reuse = strcmp(mode, "dump") != 0;
  plan();
  build(pool);
  if (!strcmp(mode, "infer") && argc == 5) {
    read_rgb(argv[3]);
    forward(pool, NULL, NULL);
    FILE *f = fopen(argv[4], "wb");
    if (!f) die("cannot write the output file");
    for (int k = 0; k < nout_g; k++) fwrite(T[gout[k]].buf, 1, T[gout[k]].count * elsize(T[gout[k]].type), f);
    if (fclose(f)) die("cannot write the output file");
    return 0;
  }
  if (!strcmp(mode, "dump") && argc == 5) {
    read_rgb(argv[3]);
    forward(pool, NULL, NULL);   // planned without reuse: every tensor is still there
    for (int i = 0; i < nn; i++) {
      for (int k = 0; k < N[i].nout; k++) {
        tensor *t = out_t(&N[i], k);
        char p[4096];
        snprintf(p, sizeof p, "%s/t%03d.bin", argv[4], N[i].out[k]);
        FILE *f = fopen(p, "wb");
        if (!f) die("cannot write in the dump folder");
        fwrite(t->buf, 1, t->count * elsize(t->type), f);
        fclose(f);
      }
    }
    return 0;
  }
  if (!strcmp(mode, "bench") && (argc == 5 || argc == 6)) {
    int runs = atoi(argv[4]);
    if (runs < 1) die("runs must be >= 1");
    if (argc == 6) {
      read_rgb(argv[5]);
    } else {
      srand(1);
      for (size_t i = 0; i < T[gin[0]].count; i++) T[gin[0]].buf[i] = rand() & 255;
    }
    for (int r = 0; r < 10; r++) forward(pool, NULL, NULL);
    double *tt = malloc(runs * sizeof(double)), *tn = malloc(runs * sizeof(double)), *tp = malloc(runs * sizeof(double));
    for (int r = 0; r < runs; r++) {
      forward(pool, &tn[r], &tp[r]);
      tt[r] = tn[r] + tp[r];
    }
    const char *base = strrchr(argv[1], '/');
    base = base ? base + 1 : argv[1];
    double mt = median(tt, runs), mn = median(tn, runs), mp = median(tp, runs);
    printf("{\"runtime\":\"xnnpack\",\"model\":\"%s\",\"threads\":%d,\"runs\":%d,\"median_ms\":%.3f,\"min_ms\":%.3f,"
           "\"net_median_ms\":%.3f,\"post_median_ms\":%.3f}\n", base, threads, runs, mt, tt[0], mn, mp);
    return 0;
  }
  fprintf(stderr, "%s: bad arguments\n", prog);
  return 2;
}
