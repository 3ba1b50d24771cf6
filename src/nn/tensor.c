/* tensor.c — shapes, aligned allocation and checksums for the nn module. */
#include <stdlib.h>
#include <string.h>
#include "nn/tensor.h"

size_t tensor_shape_count(const TensorShape *shape)
{
  return (size_t)shape->batch * (size_t)shape->channels * (size_t)shape->height * (size_t)shape->width;
}

PetscErrorCode tensor_alloc(size_t count, float **data)
{
  PetscFunctionBegin;
  *data = NULL;
  if (count == 0) count = 1; /* a valid pointer even for empty tensors */
  /* 64-byte alignment suits AVX-512 loads in OpenBLAS and our own loops. */
  size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
  void  *p     = aligned_alloc(64, bytes);
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate %zu bytes for a tensor", bytes);
  memset(p, 0, bytes);
  *data = (float *)p;
  PetscFunctionReturn(0);
}

PetscErrorCode tensor_free(float **data)
{
  PetscFunctionBegin;
  free(*data);
  *data = NULL;
  PetscFunctionReturn(0);
}

void tensor_fill(float *data, size_t count, float value)
{
  for (size_t i = 0; i < count; i++) data[i] = value;
}

uint64_t tensor_checksum(const void *data, size_t bytes)
{
  const unsigned char *p = (const unsigned char *)data;
  uint64_t             h = 14695981039346656037ull;
  for (size_t i = 0; i < bytes; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}
