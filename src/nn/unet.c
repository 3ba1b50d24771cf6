/* unet.c — the U-Net as a list of nodes over activation buffers, executed forward in
 * order and backward in reverse order. Parameters and gradients are two contiguous
 * buffers; each node holds offsets into them, assigned in backward order so gradient
 * buckets finish from offset 0 upwards (see unet.h). */
#include <math.h>
#include <string.h>
#include "nn/tensor.h"
#include "nn/unet.h"
#include "nn/conv2d.h"
#include "nn/batchnorm.h"
#include "nn/activation.h"
#include "nn/pooling.h"
#include "core/rng.h"

typedef enum { NODE_CONV, NODE_BATCHNORM, NODE_ADD, NODE_POOL, NODE_UPSAMPLE, NODE_TRANSPOSED, NODE_CONCAT } NodeKind;

static const char *node_kind_names[] = {"conv", "batchnorm", "add", "maxpool", "upsample", "transposed_conv", "concat"};

/* An activation tensor [batch][channels][H >> level][W >> level] and its gradient. */
typedef struct {
  int    channels;
  int    level;
  float *data;
  float *grad; /* allocated on the first backward pass (inference never needs it) */
} Buffer;

typedef struct {
  NodeKind       kind;
  int            in0, in1, out; /* buffer ids (in1 only for add / concat) */
  int            relu;          /* ReLU fused on the output */
  int            in_channels, out_channels, kernel;
  int            stride; /* convolution stride: 1, or 2 in the residual encoder's downsampling */
  int            has_bias;
  int            is_head;                        /* the 1×1 output convolution: init without the ReLU gain */
  size_t         weight, weight_count;           /* parameter offsets: weights or BN gamma */
  size_t         bias, bias_count;               /* conv bias or BN beta */
  size_t         running;                        /* BN: running mean at [running], variance at [running + C] */
  float         *saved_mean, *saved_inverse_std; /* BN */
  unsigned char *argmax;                         /* max pool */
  size_t         ready;                          /* gradient floats final once this node's backward is done */
} Node;

struct UNet {
  UNetConfig       config;
  int              height, width, max_batch, batch;
  Node            *nodes;
  int              node_count, node_capacity;
  Buffer          *buffers;
  int              buffer_count, buffer_capacity;
  int              input_buffer, logits_buffer;
  float           *parameters, *gradients;
  size_t           parameter_count;
  float           *bn_state;
  size_t           bn_state_count;
  float           *workspace;
  size_t           workspace_count;
  double          *bn_scratch;
  int              max_channels;
  int             *grad_ready; /* per buffer, during backward: 1 once some gradient was written */
  PetscBool        have_training_forward;
  UNetGradientHook hook;
  void            *hook_context;
  BatchNormReducer reducer;
  void            *reducer_context;
};

void unet_config_default(UNetConfig *c)
{
  memset(c, 0, sizeof(*c));
  c->depth        = 4;
  c->base_filters = 16;
  c->block        = UNET_BLOCK_PLAIN;
  c->decoder      = UNET_DECODER_TRANSPOSED;
  c->head         = UNET_HEAD_SOFTMAX2;
  c->in_channels  = 1;
  c->batchnorm    = PETSC_TRUE;
}

PetscErrorCode unet_config_check(const UNetConfig *c)
{
  PetscFunctionBegin;
  PetscCheck(c->depth >= 1 && c->depth <= 8, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-depth %d: allowed 1 to 8",
             c->depth);
  PetscCheck(c->base_filters >= 1 && c->base_filters <= 1024, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-base_filters %d: allowed 1 to 1024", c->base_filters);
  PetscCheck((long)c->base_filters << c->depth <= 65536, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-base_filters %d with -depth %d gives %ld channels at the bottom: at most 65536", c->base_filters,
             c->depth, (long)c->base_filters << c->depth);
  PetscCheck(c->block == UNET_BLOCK_PLAIN || c->block == UNET_BLOCK_RESIDUAL, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "block kind %d: allowed plain (0) or residual (1)", (int)c->block);
  PetscCheck(c->decoder == UNET_DECODER_TRANSPOSED || c->decoder == UNET_DECODER_UPSAMPLE, PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "decoder kind %d: allowed transposed (0) or upsample (1)", (int)c->decoder);
  PetscCheck(c->head == UNET_HEAD_SOFTMAX2 || c->head == UNET_HEAD_SIGMOID, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "head kind %d: allowed softmax2 (0) or sigmoid (1)", (int)c->head);
  PetscCheck(c->in_channels >= 1 && c->in_channels <= 64, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "input channels %d: allowed 1 to 64", c->in_channels);
  PetscFunctionReturn(0);
}

void unet_config_describe(const UNetConfig *c, char *text, size_t size)
{
  snprintf(text, size, "depth %d, base %d, %s blocks, %s decoder, %s head, %d input channel%s, %s", c->depth,
           c->base_filters, c->block == UNET_BLOCK_RESIDUAL ? "residual" : "plain",
           c->decoder == UNET_DECODER_UPSAMPLE ? "upsample" : "transposed",
           c->head == UNET_HEAD_SIGMOID ? "sigmoid" : "softmax2", c->in_channels, c->in_channels == 1 ? "" : "s",
           c->batchnorm ? "batch norm" : "no batch norm");
}

int unet_config_output_channels(const UNetConfig *c) { return c->head == UNET_HEAD_SOFTMAX2 ? 2 : 1; }

/* ---------------------------------------------------------------- graph building */

static PetscErrorCode add_buffer(UNet *net, int channels, int level, int *id)
{
  PetscFunctionBegin;
  if (net->buffer_count == net->buffer_capacity) {
    int     capacity = net->buffer_capacity ? 2 * net->buffer_capacity : 64;
    Buffer *b;
    PetscCall(PetscCalloc1(capacity, &b));
    if (net->buffer_count) PetscCall(PetscArraycpy(b, net->buffers, net->buffer_count));
    PetscCall(PetscFree(net->buffers));
    net->buffers         = b;
    net->buffer_capacity = capacity;
  }
  net->buffers[net->buffer_count].channels = channels;
  net->buffers[net->buffer_count].level    = level;
  if (channels > net->max_channels) net->max_channels = channels;
  *id = net->buffer_count++;
  PetscFunctionReturn(0);
}

static PetscErrorCode add_node(UNet *net, const Node *node)
{
  PetscFunctionBegin;
  if (net->node_count == net->node_capacity) {
    int   capacity = net->node_capacity ? 2 * net->node_capacity : 64;
    Node *n;
    PetscCall(PetscCalloc1(capacity, &n));
    if (net->node_count) PetscCall(PetscArraycpy(n, net->nodes, net->node_count));
    PetscCall(PetscFree(net->nodes));
    net->nodes         = n;
    net->node_capacity = capacity;
  }
  net->nodes[net->node_count++] = *node;
  PetscFunctionReturn(0);
}

static PetscErrorCode build_conv(UNet *net, int in, int out_channels, int kernel, int stride, int has_bias, int relu,
                                 int *out)
{
  Node node = {0};

  PetscFunctionBegin;
  PetscCall(add_buffer(net, out_channels, net->buffers[in].level + (stride == 2 ? 1 : 0), out));
  node.stride       = stride;
  node.kind         = NODE_CONV;
  node.in0          = in;
  node.in1          = -1;
  node.out          = *out;
  node.relu         = relu;
  node.in_channels  = net->buffers[in].channels;
  node.out_channels = out_channels;
  node.kernel       = kernel;
  node.has_bias     = has_bias;
  node.weight_count = (size_t)out_channels * node.in_channels * kernel * kernel;
  node.bias_count   = has_bias ? (size_t)out_channels : 0;
  PetscCall(add_node(net, &node));
  PetscFunctionReturn(0);
}

static PetscErrorCode build_batchnorm(UNet *net, int in, int relu, int *out)
{
  Node node = {0};
  int  C    = net->buffers[in].channels;

  PetscFunctionBegin;
  PetscCall(add_buffer(net, C, net->buffers[in].level, out));
  node.kind        = NODE_BATCHNORM;
  node.in0         = in;
  node.in1         = -1;
  node.out         = *out;
  node.relu        = relu;
  node.in_channels = node.out_channels = C;
  node.weight_count = node.bias_count = (size_t)C;
  node.running                        = net->bn_state_count;
  net->bn_state_count += 2 * (size_t)C;
  PetscCall(PetscMalloc2(C, &node.saved_mean, C, &node.saved_inverse_std));
  PetscCall(add_node(net, &node));
  PetscFunctionReturn(0);
}

/* conv k×k → BN → (ReLU), or conv with bias → (ReLU) without batch norm */
static PetscErrorCode build_conv_norm(UNet *net, int in, int out_channels, int kernel, int stride, int relu, int *out)
{
  PetscFunctionBegin;
  if (net->config.batchnorm) {
    int c;
    PetscCall(build_conv(net, in, out_channels, kernel, stride, 0, 0, &c));
    PetscCall(build_batchnorm(net, c, relu, out));
  } else
    PetscCall(build_conv(net, in, out_channels, kernel, stride, 1, relu, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode build_simple(UNet *net, NodeKind kind, int in0, int in1, int channels, int level, int relu,
                                   int *out)
{
  Node node = {0};

  PetscFunctionBegin;
  PetscCall(add_buffer(net, channels, level, out));
  node.kind         = kind;
  node.in0          = in0;
  node.in1          = in1;
  node.out          = *out;
  node.relu         = relu;
  node.in_channels  = net->buffers[in0].channels;
  node.out_channels = channels;
  PetscCall(add_node(net, &node));
  PetscFunctionReturn(0);
}

static PetscErrorCode build_plain_block(UNet *net, int in, int channels, int *out)
{
  int a;

  PetscFunctionBegin;
  PetscCall(build_conv_norm(net, in, channels, 3, 1, 1, &a));
  PetscCall(build_conv_norm(net, a, channels, 3, 1, 1, out));
  PetscFunctionReturn(0);
}

/* ResNet basic block: conv-BN-ReLU-conv-BN + shortcut (identity, or 1×1 conv + BN when the
 * channels or the resolution change), add, ReLU. stride 2 halves the resolution (first conv and
 * the shortcut projection), as ResNet-18's first block of each stage. */
static PetscErrorCode build_basic_block(UNet *net, int in, int channels, int stride, int *out)
{
  int a, b, shortcut = in;

  PetscFunctionBegin;
  PetscCall(build_conv_norm(net, in, channels, 3, stride, 1, &a));
  PetscCall(build_conv_norm(net, a, channels, 3, 1, 0, &b));
  if (net->buffers[in].channels != channels || stride != 1)
    PetscCall(build_conv_norm(net, in, channels, 1, stride, 0, &shortcut));
  PetscCall(build_simple(net, NODE_ADD, b, shortcut, channels, net->buffers[a].level, 1, out));
  PetscFunctionReturn(0);
}

/* One encoder level (or the bottleneck). Residual: a ResNet-18 stage of two basic blocks, the
 * first with stride 2 except at full resolution. Plain: the double conv (pooling is separate). */
static PetscErrorCode build_encoder_block(UNet *net, int in, int channels, int stride, int *out)
{
  PetscFunctionBegin;
  if (net->config.block == UNET_BLOCK_RESIDUAL) {
    int a;
    PetscCall(build_basic_block(net, in, channels, stride, &a));
    PetscCall(build_basic_block(net, a, channels, 1, out));
  } else
    PetscCall(build_plain_block(net, in, channels, out));
  PetscFunctionReturn(0);
}

static PetscErrorCode build_graph(UNet *net)
{
  const UNetConfig *c = &net->config;
  int               x, skip[16];

  PetscFunctionBegin;
  PetscCall(add_buffer(net, c->in_channels, 0, &net->input_buffer));
  x = net->input_buffer;
  if (c->block == UNET_BLOCK_RESIDUAL) {
    /* ResNet-style: stride-2 convolutions downsample, no pooling */
    for (int l = 0; l < c->depth; l++) {
      PetscCall(build_encoder_block(net, x, c->base_filters << l, l == 0 ? 1 : 2, &skip[l]));
      x = skip[l];
    }
    PetscCall(build_encoder_block(net, x, c->base_filters << c->depth, 2, &x));
  } else {
    for (int l = 0; l < c->depth; l++) {
      PetscCall(build_encoder_block(net, x, c->base_filters << l, 1, &skip[l]));
      PetscCall(build_simple(net, NODE_POOL, skip[l], -1, c->base_filters << l, l + 1, 0, &x));
    }
    PetscCall(build_encoder_block(net, x, c->base_filters << c->depth, 1, &x));
  }
  for (int l = c->depth - 1; l >= 0; l--) {
    int up, cat, channels = c->base_filters << l;
    if (c->decoder == UNET_DECODER_TRANSPOSED) {
      Node node = {0};
      PetscCall(add_buffer(net, channels, l, &up));
      node.kind         = NODE_TRANSPOSED;
      node.in0          = x;
      node.in1          = -1;
      node.out          = up;
      node.in_channels  = net->buffers[x].channels;
      node.out_channels = channels;
      node.kernel       = 2;
      node.has_bias     = 1;
      node.weight_count = (size_t)node.in_channels * channels * 4;
      node.bias_count   = (size_t)channels;
      PetscCall(add_node(net, &node));
    } else {
      int u;
      PetscCall(build_simple(net, NODE_UPSAMPLE, x, -1, net->buffers[x].channels, l, 0, &u));
      PetscCall(build_conv_norm(net, u, channels, 3, 1, 1, &up));
    }
    PetscCall(build_simple(net, NODE_CONCAT, up, skip[l], 2 * channels, l, 0, &cat));
    PetscCall(build_plain_block(net, cat, channels, &x));
  }
  PetscCall(build_conv(net, x, unet_config_output_channels(c), 1, 1, 1, 0, &net->logits_buffer));
  net->nodes[net->node_count - 1].is_head = 1;

  /* parameter offsets in backward order: the last node's parameters come first */
  size_t offset = 0;
  for (int i = net->node_count - 1; i >= 0; i--) {
    Node *n   = &net->nodes[i];
    n->weight = offset;
    offset += n->weight_count;
    n->bias = offset;
    offset += n->bias_count;
    n->ready = offset;
  }
  net->parameter_count = offset;
  PetscFunctionReturn(0);
}

/* He (Kaiming) normal initialisation in forward order from one stream keyed by the seed. */
static PetscErrorCode initialise_parameters(UNet *net, uint64_t seed)
{
  RngStream rng;

  PetscFunctionBegin;
  rng_stream_init(&rng, seed, 0, RNG_PURPOSE_WEIGHT_INIT);
  for (int i = 0; i < net->node_count; i++) {
    Node *n = &net->nodes[i];
    if (n->kind == NODE_CONV || n->kind == NODE_TRANSPOSED) {
      /* fan-in: inputs summed into one output (transposed 2×2/2: each output sees one tap per channel) */
      double fan_in = n->kind == NODE_CONV ? (double)n->in_channels * n->kernel * n->kernel : (double)n->in_channels;
      double std    = sqrt((n->is_head ? 1.0 : 2.0) / fan_in);
      for (size_t k = 0; k < n->weight_count; k++) net->parameters[n->weight + k] = (float)(std * rng_normal(&rng));
      for (size_t k = 0; k < n->bias_count; k++) net->parameters[n->bias + k] = 0;
    } else if (n->kind == NODE_BATCHNORM) {
      for (size_t k = 0; k < n->weight_count; k++) net->parameters[n->weight + k] = 1;
      for (size_t k = 0; k < n->bias_count; k++) net->parameters[n->bias + k] = 0;
      for (int k = 0; k < n->in_channels; k++) {
        net->bn_state[n->running + k]                  = 0;
        net->bn_state[n->running + n->in_channels + k] = 1;
      }
    }
  }
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- workspaces */

static size_t buffer_count_floats(const UNet *net, const Buffer *b)
{
  return (size_t)net->max_batch * b->channels * (size_t)(net->height >> b->level) * (size_t)(net->width >> b->level);
}

static void node_conv_shape(const UNet *net, const Node *n, int batch, Conv2dShape *s)
{
  const Buffer *in = &net->buffers[n->in0];
  /* sizes were checked when the workspaces were made: the call cannot fail */
  (void)conv2d_shape_init(s, batch, n->in_channels, n->out_channels, net->height >> in->level, net->width >> in->level,
                          n->kernel, n->stride, n->kernel / 2);
}

static PetscErrorCode free_workspaces(UNet *net)
{
  PetscFunctionBegin;
  for (int i = 0; i < net->buffer_count; i++) {
    PetscCall(tensor_free(&net->buffers[i].data));
    PetscCall(tensor_free(&net->buffers[i].grad));
  }
  for (int i = 0; i < net->node_count; i++) PetscCall(PetscFree(net->nodes[i].argmax));
  PetscCall(tensor_free(&net->workspace));
  net->have_training_forward = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode allocate_workspaces(UNet *net)
{
  PetscFunctionBegin;
  for (int i = 0; i < net->buffer_count; i++)
    PetscCall(tensor_alloc(buffer_count_floats(net, &net->buffers[i]), &net->buffers[i].data));
  net->workspace_count = 0;
  for (int i = 0; i < net->node_count; i++) {
    Node   *n    = &net->nodes[i];
    Buffer *in   = &net->buffers[n->in0];
    size_t  need = 0;
    if (n->kind == NODE_CONV) {
      Conv2dShape s;
      PetscCall(conv2d_shape_init(&s, net->max_batch, n->in_channels, n->out_channels, net->height >> in->level,
                                  net->width >> in->level, n->kernel, n->stride, n->kernel / 2));
      need = conv2d_workspace_count(&s);
    } else if (n->kind == NODE_TRANSPOSED) {
      need = transposed_conv_workspace_count(n->in_channels, n->out_channels, net->height >> in->level,
                                             net->width >> in->level);
    } else if (n->kind == NODE_POOL) {
      PetscCall(PetscMalloc1(buffer_count_floats(net, &net->buffers[n->out]), &n->argmax));
    }
    if (need > net->workspace_count) net->workspace_count = need;
  }
  PetscCall(tensor_alloc(net->workspace_count, &net->workspace));
  PetscFunctionReturn(0);
}

static PetscErrorCode allocate_gradients(UNet *net)
{
  PetscFunctionBegin;
  for (int i = 0; i < net->buffer_count; i++)
    if (i != net->input_buffer && !net->buffers[i].grad)
      PetscCall(tensor_alloc(buffer_count_floats(net, &net->buffers[i]), &net->buffers[i].grad));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_size(const UNetConfig *c, int height, int width, int max_batch)
{
  PetscFunctionBegin;
  PetscCheck(height > 0 && width > 0 && height % (1 << c->depth) == 0 && width % (1 << c->depth) == 0, PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "image size %d×%d: both sides must be positive multiples of 2^depth = %d (depth %d)",
             height, width, 1 << c->depth, c->depth);
  PetscCheck(max_batch > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "batch size %d: must be positive", max_batch);
  PetscFunctionReturn(0);
}

PetscErrorCode unet_estimate(const UNetConfig *config, int height, int width, int max_batch, size_t *parameter_count,
                             size_t *bn_state_count, double *bytes)
{
  UNet net;

  PetscFunctionBegin;
  PetscCall(unet_config_check(config));
  PetscCall(check_size(config, height, width, max_batch));
  /* The graph alone: node and buffer descriptions, no parameters and no activations. */
  PetscCall(PetscMemzero(&net, sizeof net));
  net.config    = *config;
  net.height    = height;
  net.width     = width;
  net.max_batch = max_batch;
  PetscCall(build_graph(&net));
  double activations = 0;
  for (int i = 0; i < net.buffer_count; i++)
    activations += (double)max_batch * net.buffers[i].channels * (double)(height >> net.buffers[i].level) *
                   (double)(width >> net.buffers[i].level);
  if (parameter_count) *parameter_count = net.parameter_count;
  if (bn_state_count) *bn_state_count = net.bn_state_count;
  /* parameters, gradients and two optimizer moments; activations and their gradients, plus
   * about as much again for convolution workspaces (im2col, Winograd tiles) */
  if (bytes) *bytes = 4.0 * (4.0 * (double)net.parameter_count + (double)net.bn_state_count + 3.0 * activations);
  for (int i = 0; i < net.node_count; i++)
    PetscCall(PetscFree2(net.nodes[i].saved_mean, net.nodes[i].saved_inverse_std));
  PetscCall(PetscFree(net.nodes));
  PetscCall(PetscFree(net.buffers));
  PetscFunctionReturn(0);
}

PetscErrorCode unet_create(const UNetConfig *config, int height, int width, int max_batch, uint64_t seed, UNet **out)
{
  UNet *net;

  PetscFunctionBegin;
  *out = NULL;
  PetscCall(unet_config_check(config));
  PetscCall(check_size(config, height, width, max_batch));
  PetscCall(PetscNew(&net));
  net->config    = *config;
  net->height    = height;
  net->width     = width;
  net->max_batch = max_batch;
  PetscCall(build_graph(net));
  PetscCall(tensor_alloc(net->parameter_count, &net->parameters));
  PetscCall(tensor_alloc(net->parameter_count, &net->gradients));
  PetscCall(tensor_alloc(net->bn_state_count, &net->bn_state));
  PetscCall(PetscMalloc1(2 * net->max_channels + 1, &net->bn_scratch));
  PetscCall(PetscMalloc1(net->buffer_count, &net->grad_ready));
  PetscCall(initialise_parameters(net, seed));
  PetscCall(allocate_workspaces(net));
  *out = net;
  PetscFunctionReturn(0);
}

PetscErrorCode unet_destroy(UNet **pnet)
{
  UNet *net = *pnet;

  PetscFunctionBegin;
  if (!net) PetscFunctionReturn(0);
  PetscCall(free_workspaces(net));
  for (int i = 0; i < net->node_count; i++)
    PetscCall(PetscFree2(net->nodes[i].saved_mean, net->nodes[i].saved_inverse_std));
  PetscCall(tensor_free(&net->parameters));
  PetscCall(tensor_free(&net->gradients));
  PetscCall(tensor_free(&net->bn_state));
  PetscCall(PetscFree(net->bn_scratch));
  PetscCall(PetscFree(net->grad_ready));
  PetscCall(PetscFree(net->nodes));
  PetscCall(PetscFree(net->buffers));
  PetscCall(PetscFree(*pnet));
  PetscFunctionReturn(0);
}

PetscErrorCode unet_resize(UNet *net, int height, int width, int max_batch)
{
  PetscFunctionBegin;
  PetscCall(check_size(&net->config, height, width, max_batch));
  if (height == net->height && width == net->width && max_batch == net->max_batch) PetscFunctionReturn(0);
  PetscCall(free_workspaces(net));
  net->height    = height;
  net->width     = width;
  net->max_batch = max_batch;
  PetscCall(allocate_workspaces(net));
  PetscFunctionReturn(0);
}

const UNetConfig *unet_config(const UNet *net) { return &net->config; }

void unet_size(const UNet *net, int *height, int *width, int *max_batch)
{
  if (height) *height = net->height;
  if (width) *width = net->width;
  if (max_batch) *max_batch = net->max_batch;
}

size_t unet_parameter_count(const UNet *net) { return net->parameter_count; }
float *unet_parameters(UNet *net) { return net->parameters; }
float *unet_gradients(UNet *net) { return net->gradients; }
size_t unet_batchnorm_state_count(const UNet *net) { return net->bn_state_count; }
float *unet_batchnorm_state(UNet *net) { return net->bn_state; }

void unet_set_gradient_hook(UNet *net, UNetGradientHook hook, void *context)
{
  net->hook         = hook;
  net->hook_context = context;
}

void unet_set_batchnorm_reducer(UNet *net, BatchNormReducer reducer, void *context)
{
  net->reducer         = reducer;
  net->reducer_context = context;
}

PetscErrorCode unet_zero_gradients(UNet *net)
{
  PetscFunctionBegin;
  memset(net->gradients, 0, sizeof(float) * net->parameter_count);
  PetscFunctionReturn(0);
}

/* ---------------------------------------------------------------- forward / backward */

static void node_batchnorm(const UNet *net, const Node *n, int batch, BatchNorm *bn)
{
  const Buffer *in    = &net->buffers[n->in0];
  bn->batch           = batch;
  bn->channels        = n->in_channels;
  bn->height          = net->height >> in->level;
  bn->width           = net->width >> in->level;
  bn->momentum        = 0.1f;
  bn->epsilon         = 1e-5f;
  bn->reducer         = net->reducer;
  bn->reducer_context = net->reducer_context;
  bn->scratch         = net->bn_scratch;
  bn->relu            = n->relu ? PETSC_TRUE : PETSC_FALSE;
}

static size_t buffer_floats(const UNet *net, int id, int batch)
{
  const Buffer *b = &net->buffers[id];
  return (size_t)batch * b->channels * (size_t)(net->height >> b->level) * (size_t)(net->width >> b->level);
}

PetscErrorCode unet_forward(UNet *net, const float *images, int batch, PetscBool training, float *probabilities)
{
  PetscFunctionBegin;
  PetscCheck(batch >= 1 && batch <= net->max_batch, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "batch of %d images: the network was sized for 1 to %d (call unet_resize)", batch, net->max_batch);
  net->batch = batch;
  /* a private copy: the backward pass needs the input, and the caller may reuse its buffer */
  memcpy(net->buffers[net->input_buffer].data, images, sizeof(float) * buffer_floats(net, net->input_buffer, batch));
  for (int i = 0; i < net->node_count; i++) {
    Node        *n   = &net->nodes[i];
    const float *x   = net->buffers[n->in0].data;
    float       *y   = net->buffers[n->out].data;
    int          lin = net->buffers[n->in0].level;
    int          h = net->height >> lin, w = net->width >> lin;
    switch (n->kind) {
    case NODE_CONV: {
      Conv2dShape s;
      node_conv_shape(net, n, batch, &s);
      PetscCall(conv2d_forward(&s, x, net->parameters + n->weight, n->has_bias ? net->parameters + n->bias : NULL, y,
                               net->workspace));
    } break;
    case NODE_BATCHNORM: {
      BatchNorm bn;
      node_batchnorm(net, n, batch, &bn);
      PetscCall(batchnorm_forward(&bn, x, net->parameters + n->weight, net->parameters + n->bias,
                                  net->bn_state + n->running, net->bn_state + n->running + n->in_channels, training, y,
                                  n->saved_mean, n->saved_inverse_std));
    } break;
    case NODE_ADD:
      add_forward(buffer_floats(net, n->out, batch), x, net->buffers[n->in1].data, y);
      break;
    case NODE_POOL:
      PetscCall(maxpool_forward(batch, n->in_channels, h, w, x, y, n->argmax));
      break;
    case NODE_UPSAMPLE:
      PetscCall(upsample_forward(batch, n->in_channels, h, w, x, y));
      break;
    case NODE_TRANSPOSED:
      PetscCall(transposed_conv_forward(batch, n->in_channels, n->out_channels, h, w, x, net->parameters + n->weight,
                                        net->parameters + n->bias, y, net->workspace));
      break;
    case NODE_CONCAT:
      PetscCall(concat_forward(batch, n->in_channels, net->buffers[n->in1].channels, (size_t)h * w, x,
                               net->buffers[n->in1].data, y));
      break;
    }
    if (n->relu && n->kind != NODE_BATCHNORM) relu_forward(buffer_floats(net, n->out, batch), y, y); /* BN fuses it */
  }
  /* output activation */
  const float *logits = net->buffers[net->logits_buffer].data;
  const size_t P      = (size_t)net->height * net->width;
  if (net->config.head == UNET_HEAD_SOFTMAX2) {
    for (int b = 0; b < batch; b++) {
      const float *l0 = logits + (size_t)b * 2 * P, *l1 = l0 + P;
      float       *p0 = probabilities + (size_t)b * 2 * P, *p1 = p0 + P;
      for (size_t i = 0; i < P; i++) {
        float d = l1[i] - l0[i];
        p1[i]   = 1.0f / (1.0f + expf(-d));
        p0[i]   = 1.0f / (1.0f + expf(d));
      }
    }
  } else {
    for (size_t i = 0; i < (size_t)batch * P; i++) probabilities[i] = 1.0f / (1.0f + expf(-logits[i]));
  }
  net->have_training_forward = training;
  PetscFunctionReturn(0);
}

static void copy_or_add(float *dst, const float *src, size_t count, int accumulate)
{
  if (accumulate)
    for (size_t k = 0; k < count; k++) dst[k] += src[k];
  else
    memcpy(dst, src, sizeof(float) * count);
}

PetscErrorCode unet_backward(UNet *net, const float *grad_logits)
{
  const int batch    = net->batch;
  size_t    reported = 0;

  PetscFunctionBegin;
  PetscCheck(net->have_training_forward, PETSC_COMM_SELF, PETSC_ERR_ORDER,
             "unet_backward needs a preceding unet_forward in training mode at the current size");
  PetscCall(allocate_gradients(net));
  for (int i = 0; i < net->buffer_count; i++) net->grad_ready[i] = 0;
  memcpy(net->buffers[net->logits_buffer].grad, grad_logits,
         sizeof(float) * buffer_floats(net, net->logits_buffer, batch));
  net->grad_ready[net->logits_buffer] = 1;
  for (int i = net->node_count - 1; i >= 0; i--) {
    Node   *n   = &net->nodes[i];
    Buffer *out = &net->buffers[n->out], *in0 = &net->buffers[n->in0];
    float  *dy = out->grad;
    int     h = net->height >> in0->level, w = net->width >> in0->level;
    PetscCheck(net->grad_ready[n->out], PETSC_COMM_SELF, PETSC_ERR_PLIB, "node %d (%s): output gradient missing", i,
               node_kind_names[n->kind]);
    /* the fused ReLU: mask the output gradient in place (nobody else reads it); BN masks on the fly */
    if (n->relu && n->kind != NODE_BATCHNORM) relu_backward(buffer_floats(net, n->out, batch), out->data, dy, dy, 0);
    /* the network input needs no gradient */
    float *dx0  = n->in0 == net->input_buffer ? NULL : in0->grad;
    int    acc0 = net->grad_ready[n->in0];
    float *dx1  = n->in1 < 0 || n->in1 == net->input_buffer ? NULL : net->buffers[n->in1].grad;
    int    acc1 = n->in1 < 0 ? 0 : net->grad_ready[n->in1];
    switch (n->kind) {
    case NODE_CONV: {
      Conv2dShape s;
      node_conv_shape(net, n, batch, &s);
      PetscCall(conv2d_backward(&s, in0->data, net->parameters + n->weight, dy, dx0, acc0, net->gradients + n->weight,
                                n->has_bias ? net->gradients + n->bias : NULL, net->workspace));
    } break;
    case NODE_BATCHNORM: {
      BatchNorm bn;
      node_batchnorm(net, n, batch, &bn);
      PetscCall(batchnorm_backward(&bn, in0->data, n->relu ? out->data : NULL, net->parameters + n->weight,
                                   n->saved_mean, n->saved_inverse_std, dy, dx0, acc0, net->gradients + n->weight,
                                   net->gradients + n->bias));
    } break;
    case NODE_ADD: {
      const size_t count = buffer_floats(net, n->out, batch);
      if (dx0) copy_or_add(dx0, dy, count, acc0);
      if (dx1) copy_or_add(dx1, dy, count, acc1);
    } break;
    case NODE_POOL:
      if (dx0) PetscCall(maxpool_backward(batch, n->in_channels, h, w, n->argmax, dy, dx0, acc0));
      break;
    case NODE_UPSAMPLE:
      if (dx0) PetscCall(upsample_backward(batch, n->in_channels, h, w, dy, dx0, acc0));
      break;
    case NODE_TRANSPOSED:
      PetscCall(transposed_conv_backward(batch, n->in_channels, n->out_channels, h, w, in0->data,
                                         net->parameters + n->weight, dy, dx0, acc0, net->gradients + n->weight,
                                         net->gradients + n->bias, net->workspace));
      break;
    case NODE_CONCAT:
      PetscCall(
        concat_backward(batch, n->in_channels, net->buffers[n->in1].channels, (size_t)h * w, dy, dx0, acc0, dx1, acc1));
      break;
    }
    if (n->in0 >= 0) net->grad_ready[n->in0] = 1;
    if (n->in1 >= 0) net->grad_ready[n->in1] = 1;
    if (net->hook && n->ready > reported) {
      reported = n->ready;
      PetscCall(net->hook(net->hook_context, reported));
    }
  }
  PetscFunctionReturn(0);
}

double unet_convolution_flops(const UNet *net, int batch)
{
  double flops = 0;
  for (int i = 0; i < net->node_count; i++) {
    const Node   *n          = &net->nodes[i];
    const Buffer *in         = &net->buffers[n->in0];
    const Buffer *o          = &net->buffers[n->out];
    double        pixels     = (double)(net->height >> in->level) * (double)(net->width >> in->level);
    double        out_pixels = (double)(net->height >> o->level) * (double)(net->width >> o->level);
    if (n->kind == NODE_CONV)
      flops += 2.0 * n->in_channels * n->kernel * n->kernel * n->out_channels * out_pixels;
    else if (n->kind == NODE_TRANSPOSED)
      flops += 2.0 * n->in_channels * n->out_channels * 4 * pixels;
  }
  return flops * batch;
}

PetscErrorCode unet_print(const UNet *net, FILE *stream)
{
  char text[256];

  PetscFunctionBegin;
  unet_config_describe(&net->config, text, sizeof(text));
  fprintf(stream, "U-Net: %s; %zu parameters, %zu batch-norm state values, input %d×%d, batch up to %d\n", text,
          net->parameter_count, net->bn_state_count, net->height, net->width, net->max_batch);
  for (int i = 0; i < net->node_count; i++) {
    const Node   *n = &net->nodes[i];
    const Buffer *o = &net->buffers[n->out];
    fprintf(stream, "  %3d %-15s %4d -> %4d ch  k%d  out %d×%d%s  params [%zu, +%zu)\n", i, node_kind_names[n->kind],
            n->in_channels, o->channels, n->kernel, net->height >> o->level, net->width >> o->level,
            n->relu ? " +relu" : "", n->weight, n->weight_count + n->bias_count);
  }
  PetscFunctionReturn(0);
}
