/* micrograph_dm.c — Gatan DigitalMicrograph DM3/DM4 reader (part of micrograph.h).
 *
 * File format (public descriptions by C. Boothroyd and the DM4 notes of the EMAN/openNCEM
 * projects; facts, no code taken): big-endian header — version (3 or 4), root length
 * (u32; DM4 u64), byte order of the data values (1 = little-endian). Then a tag tree: a
 * group is (sorted u8, open u8, tag count u32|u64); a tag is (kind u8: 20 group / 21 data,
 * name length u16, name; DM4: tag length u64); a data tag is "%%%%", info count (u32|u64)
 * and info words (u32|u64): info[0] = type — simple 2 i16, 3 i32, 4 u16, 5 u32, 6 f32,
 * 7 f64, 8 bool, 9 i8, 10 u8, 11 i64, 12 u64; 18 string (length info[1], UTF-16); 15 struct
 * (info[2] fields, then (name length, type) pairs); 20 array (info[1] element type; for
 * struct elements the struct description follows; the last info word is the length).
 * Images are ImageList/<k>/ImageData/{Data, DataType, Dimensions/<d>, Calibrations/
 * Dimension/<d>/Scale}; dimensions are fastest-first. ImageList entry 0 is normally the
 * RGBA thumbnail (DataType 23), which is skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "error_check.h"
#include "micrograph.h"

#define DM_MAX_IMAGES 16

typedef struct {
  long long data_offset; /* file offset of the Data array values (-1: none) */
  int       element_type;
  long long element_count;
  int       data_type;   /* DataType tag (23 = RGBA thumbnail) */
  long long dims[4];
  int       n_dims;
  double    scale;       /* Calibrations/Dimension/0/Scale */
} DmImage;

typedef struct {
  FILE       *file;
  const char *path;
  int         version;
  int         little;    /* data values little-endian */
  DmImage     images[DM_MAX_IMAGES];
  int         error;
} DmParser;

static int simple_size(int type)
{
  switch (type) {
  case 2: case 4: return 2;
  case 3: case 5: case 6: return 4;
  case 7: case 11: case 12: return 8;
  case 8: case 9: case 10: return 1;
  default: return 0;
  }
}

static unsigned long long read_be(DmParser *p, int bytes)
{
  unsigned char b[8];
  unsigned long long v = 0;
  if (fread(b, 1, (size_t)bytes, p->file) != (size_t)bytes) { p->error = 1; return 0; }
  for (int i = 0; i < bytes; i++) v = (v << 8) | b[i];
  return v;
}

static unsigned long long read_word(DmParser *p) { return read_be(p, p->version == 4 ? 8 : 4); }

/* A simple value in the data byte order, as double. */
static double read_value(DmParser *p, int type)
{
  unsigned char b[8] = {0};
  int           n = simple_size(type);
  if (!n || fread(b, 1, (size_t)n, p->file) != (size_t)n) { p->error = 1; return 0; }
  if (!p->little)
    for (int i = 0; i < n / 2; i++) { unsigned char t = b[i]; b[i] = b[n - 1 - i]; b[n - 1 - i] = t; }
  switch (type) {
  case 2: { int16_t v; memcpy(&v, b, 2); return v; }
  case 3: { int32_t v; memcpy(&v, b, 4); return v; }
  case 4: { uint16_t v; memcpy(&v, b, 2); return v; }
  case 5: { uint32_t v; memcpy(&v, b, 4); return v; }
  case 6: { float v; memcpy(&v, b, 4); return v; }
  case 7: { double v; memcpy(&v, b, 8); return v; }
  case 11: { int64_t v; memcpy(&v, b, 8); return (double)v; }
  case 12: { uint64_t v; memcpy(&v, b, 8); return (double)v; }
  default: return b[0];
  }
}

static void data_tag(DmParser *p, const char *path)
{
  char marker[4];
  if (fread(marker, 1, 4, p->file) != 4 || memcmp(marker, "%%%%", 4)) { p->error = 1; return; }
  long long n = (long long)read_word(p);
  if (n <= 0 || n > 64) { p->error = 1; return; }
  long long info[64];
  for (long long i = 0; i < n; i++) info[i] = (long long)read_word(p);
  if (p->error) return;
  int k = -1, d = -1;
  char rest[200] = "";
  if (sscanf(path, "ImageList/%d/ImageData/%199s", &k, rest) == 2 && k >= 0 && k < DM_MAX_IMAGES) {
    DmImage *image = &p->images[k];
    if (info[0] == 20 && !strcmp(rest, "Data")) { /* the pixel array: note where it is, skip it */
      int element = (int)info[1];
      long long count = info[n - 1], size = simple_size(element);
      if (!size) { p->error = 1; return; }
      image->data_offset = ftello(p->file);
      image->element_type = element, image->element_count = count;
      fseeko(p->file, (off_t)(count * size), SEEK_CUR);
      return;
    }
    if (simple_size((int)info[0]) && !strcmp(rest, "DataType")) { image->data_type = (int)read_value(p, (int)info[0]); return; }
    if (simple_size((int)info[0]) && sscanf(rest, "Dimensions/%d", &d) == 1 && d >= 0 && d < 4) {
      image->dims[d] = (long long)read_value(p, (int)info[0]);
      if (d + 1 > image->n_dims) image->n_dims = d + 1;
      return;
    }
    if (simple_size((int)info[0]) && !strcmp(rest, "Calibrations/Dimension/0/Scale")) { image->scale = read_value(p, (int)info[0]); return; }
  }
  /* Anything else: skip its bytes. */
  long long bytes = 0;
  if (simple_size((int)info[0])) bytes = simple_size((int)info[0]);
  else if (info[0] == 18) bytes = 2 * info[1];
  else if (info[0] == 15) {
    for (long long f = 0; f < info[2]; f++) bytes += simple_size((int)info[4 + 2 * f]);
  } else if (info[0] == 20) {
    if (info[1] == 15) {
      long long fields = info[3], size = 0;
      for (long long f = 0; f < fields; f++) size += simple_size((int)info[5 + 2 * f]);
      bytes = size * info[n - 1];
    } else bytes = (long long)simple_size((int)info[1]) * info[n - 1];
  } else { p->error = 1; return; }
  fseeko(p->file, (off_t)bytes, SEEK_CUR);
}

static void group(DmParser *p, const char *path, int depth)
{
  if (depth > 64) { p->error = 1; return; }
  (void)read_be(p, 1);
  (void)read_be(p, 1);
  long long tags = (long long)read_word(p);
  for (long long t = 0; t < tags && !p->error; t++) {
    int  kind = (int)read_be(p, 1);
    int  length = (int)read_be(p, 2);
    char name[256] = "", child[1024];
    if (length > 0) {
      if (length >= (int)sizeof name) { p->error = 1; return; }
      if (fread(name, 1, (size_t)length, p->file) != (size_t)length) { p->error = 1; return; }
      name[length] = '\0';
    } else snprintf(name, sizeof name, "%lld", t); /* unnamed entries of a list: their index */
    if (p->version == 4) (void)read_be(p, 8);   /* tag length, not needed */
    if (strlen(path) + strlen(name) + 2 > sizeof child) { p->error = 1; return; }
    strcpy(child, path);
    if (path[0]) strcat(child, "/");
    strcat(child, name);
    if (kind == 20) group(p, child, depth + 1);
    else if (kind == 21) data_tag(p, child);
    else if (kind == 0) return; /* end marker */
    else p->error = 1;
  }
}

PetscErrorCode micrograph_read_dm(const char *path, PetscInt index, Micrograph *m)
{
  DmParser p = {0};

  PetscFunctionBeginUser;
  p.file = fopen(path, "rb");
  p.path = path;
  PetscCheckPointerErrno(p.file, "cannot open the DM file", path);
  for (int i = 0; i < DM_MAX_IMAGES; i++) p.images[i].data_offset = -1;
  p.version = (int)read_be(&p, 4);
  (void)read_be(&p, p.version == 4 ? 8 : 4); /* root length */
  p.little = read_be(&p, 4) == 1;
  group(&p, "", 0);
  if (p.error) {
    fclose(p.file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "DM%d file '%s' is damaged or uses a tag layout this reader does not know", p.version, path);
  }
  DmImage *image = NULL;
  for (int i = 0; i < DM_MAX_IMAGES && !image; i++)
    if (p.images[i].data_offset >= 0 && p.images[i].data_type != 23 && p.images[i].n_dims >= 1) image = &p.images[i];
  if (!image) {
    fclose(p.file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "DM file '%s' holds no image besides the thumbnail", path);
  }
  long long nx = image->dims[0], ny = image->n_dims >= 2 ? image->dims[1] : 1, frames = image->n_dims >= 3 ? image->dims[2] : 1;
  if (fclose(p.file), p.file = fopen(path, "rb"), !p.file) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot reopen '%s'", path);
  PetscCheck(nx > 0 && ny > 0 && nx * ny * frames == image->element_count, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s': dimensions %lld x %lld x %lld do not match the %lld stored values", path, nx, ny, frames, image->element_count);
  PetscCheck(index >= 0 && index < frames, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-index %d: DM file '%s' holds %lld images", (int)index, path, frames);
  m->nx = (PetscInt)nx, m->ny = (PetscInt)ny, m->frames = (PetscInt)frames;
  m->pixel_size = 0; /* DM scales come in the file's units (nm, 1/nm, ...); not converted */
  PetscCall(PetscMalloc1((size_t)nx * ny, &m->pixels));
  fseeko(p.file, (off_t)(image->data_offset + (long long)index * nx * ny * simple_size(image->element_type)), SEEK_SET);
  for (long long i = 0; i < nx * ny; i++) m->pixels[i] = (float)read_value(&p, image->element_type);
  fclose(p.file);
  PetscCheck(!p.error, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "DM file '%s' is truncated", path);
  PetscCall(PetscStrncpy(m->format, p.version == 4 ? "dm4" : "dm3", sizeof m->format));
  PetscFunctionReturn(0);
}
