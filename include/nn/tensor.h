/* tensor.h — the shape of an NCHW float32 activation and the few helpers the nn module
 * shares. Tensors are plain contiguous float arrays: element (n, c, y, x) of a tensor of
 * shape (N, C, H, W) lives at ((n*C + c)*H + y)*W + x. No allocation is hidden here:
 * the network allocates its activations once (workspaces) and layers write into them. */
#pragma once
#include <stddef.h>
#include <petscsys.h>

/* Shape of an NCHW tensor. */
typedef struct {
  int batch;    /* N: images */
  int channels; /* C */
  int height;   /* H: rows */
  int width;    /* W: columns */
} TensorShape;

/* Number of floats in a tensor of this shape. */
size_t tensor_shape_count(const TensorShape *shape);

/* 64-byte aligned float array of `count` elements, zero-filled; free with tensor_free. */
PetscErrorCode tensor_alloc(size_t count, float **data);
PetscErrorCode tensor_free(float **data);

/* y[i] = value for i < count. */
void tensor_fill(float *data, size_t count, float value);

/* 64-bit FNV-1a checksum of raw bytes: used by the model file to detect corruption and by
 * the train module to compare replicas. Two buffers with equal bits give equal sums. */
uint64_t tensor_checksum(const void *data, size_t bytes);
