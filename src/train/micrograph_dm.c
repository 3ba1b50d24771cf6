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
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/checked_size.h"
#include "core/error_check.h"
#include "train/micrograph.h"

#define DM_MAX_IMAGES 16
#define DM_MAX_INFO   64 /* info words of one data tag: enough for a struct of 30 fields */

typedef struct {
  long long data_offset; /* file offset of the Data array values (-1: none) */
  int       element_type;
  long long element_count;
  int       data_type; /* DataType tag: 3, 13, 27 complex; 8, 23 RGB(A); 9 int8 */
  long long dims[4];
  int       n_dims;
  double    scale[4];                         /* Calibrations/Dimension/<d>/Scale, per dimension (x first) */
  char      units[4][16];                     /* Calibrations/Dimension/<d>/Units in ASCII (µ as u, Å as A) */
  double    voltage, magnification, exposure; /* ImageTags: V, x, s (0: absent) */
} DmImage;

/* Everything in a DM file is hostile until checked: counts and sizes are unsigned 64-bit words
 * bounded by what is left of the file before they are multiplied, skipped or converted. */
typedef struct {
  FILE       *file;
  const char *path;
  long long   file_size;
  int         version;
  int         little; /* data values little-endian */
  DmImage     images[DM_MAX_IMAGES];
  int         error;
  char        fault[256]; /* the first fault found, for the message */
} DmParser;

/* Note the first fault (later ones follow from it). */
static void fail(DmParser *p, const char *format, ...)
{
  va_list arguments;
  if (p->error) return;
  p->error = 1;
  va_start(arguments, format);
  vsnprintf(p->fault, sizeof p->fault, format, arguments);
  va_end(arguments);
  /* Tag names come from the file: no control or non-ASCII bytes reach the terminal. */
  for (char *c = p->fault; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
}

static int simple_size(unsigned long long type)
{
  switch (type) {
  case 2:
  case 4:
    return 2;
  case 3:
  case 5:
  case 6:
    return 4;
  case 7:
  case 11:
  case 12:
    return 8;
  case 8:
  case 9:
  case 10:
    return 1;
  default:
    return 0;
  }
}

static unsigned long long read_be(DmParser *p, int bytes)
{
  unsigned char      b[8];
  unsigned long long v = 0;
  if (p->error) return 0;
  if (fread(b, 1, (size_t)bytes, p->file) != (size_t)bytes) {
    fail(p, "truncated at offset %lld", (long long)ftello(p->file));
    return 0;
  }
  for (int i = 0; i < bytes; i++) v = (v << 8) | b[i];
  return v;
}

static unsigned long long read_word(DmParser *p) { return read_be(p, p->version == 4 ? 8 : 4); }

/* Bytes left in the file after the current position. */
static unsigned long long bytes_left(DmParser *p)
{
  off_t at = ftello(p->file);
  return at < 0 || at > p->file_size ? 0 : (unsigned long long)(p->file_size - at);
}

/* Skip `count` values of `size` bytes, which must lie inside the file. */
static void skip(DmParser *p, unsigned long long count, unsigned long long size, const char *tag)
{
  size_t bytes;
  if (p->error) return;
  if (size_multiply_overflows((size_t)count, (size_t)size, &bytes) || bytes > bytes_left(p)) {
    fail(p, "tag %s announces %llu values of %llu bytes, more than the %llu bytes left in the file", tag, count, size,
         bytes_left(p));
    return;
  }
  if (fseeko(p->file, (off_t)bytes, SEEK_CUR) != 0) fail(p, "cannot skip tag %s", tag);
}

/* A simple value in the data byte order, as double. */
static double read_value(DmParser *p, int type)
{
  unsigned char b[8] = {0};
  int           n    = simple_size((unsigned long long)type);
  if (p->error) return 0;
  if (!n || fread(b, 1, (size_t)n, p->file) != (size_t)n) {
    fail(p, "truncated at offset %lld", (long long)ftello(p->file));
    return 0;
  }
  if (!p->little)
    for (int i = 0; i < n / 2; i++) {
      unsigned char t = b[i];
      b[i]            = b[n - 1 - i];
      b[n - 1 - i]    = t;
    }
  switch (type) {
  case 2: {
    int16_t v;
    memcpy(&v, b, 2);
    return v;
  }
  case 3: {
    int32_t v;
    memcpy(&v, b, 4);
    return v;
  }
  case 4: {
    uint16_t v;
    memcpy(&v, b, 2);
    return v;
  }
  case 5: {
    uint32_t v;
    memcpy(&v, b, 4);
    return v;
  }
  case 6: {
    float v;
    memcpy(&v, b, 4);
    return v;
  }
  case 7: {
    double v;
    memcpy(&v, b, 8);
    return v;
  }
  case 11: {
    int64_t v;
    memcpy(&v, b, 8);
    return (double)v;
  }
  case 12: {
    uint64_t v;
    memcpy(&v, b, 8);
    return (double)v;
  }
  case 9:
    return (int8_t)b[0];
  default:
    return b[0];
  }
}

/* A whole number stored as any simple type (DataType, a dimension): a float, a negative value
 * or one above `limit` is a fault, never converted (a double out of range of int is UB). */
static long long read_count(DmParser *p, unsigned long long type, long long limit, const char *tag)
{
  double v = read_value(p, (int)type);
  if (p->error) return 0;
  if (!(v >= 0 && v <= (double)limit && v == floor(v))) {
    fail(p, "tag %s is %g; allowed a whole number from 0 to %lld", tag, v, limit);
    return 0;
  }
  return (long long)v;
}

/* "ImageList/<k>/ImageData/<rest>": k (0..DM_MAX_IMAGES-1) and rest, without sscanf's %d
 * (undefined for out-of-range numbers). */
static int image_tag(const char *path, int *k, const char **rest)
{
  static const char prefix[] = "ImageList/";
  if (strncmp(path, prefix, sizeof prefix - 1)) return 0;
  char *end;
  long  value = strtol(path + sizeof prefix - 1, &end, 10);
  if (end == path + sizeof prefix - 1 || value < 0 || value >= DM_MAX_IMAGES || strncmp(end, "/ImageData/", 11))
    return 0;
  *k = (int)value, *rest = end + 11;
  return 1;
}

/* Calibrations/Dimension/<d>/{Scale,Units} of an image: returns 1 when the tag was one of
 * these and has been read. Units are an array of UTF-16 code units (4 = u16). */
static int calibration_tag(DmParser *p, DmImage *image, const char *rest, const unsigned long long *info,
                           unsigned long long n)
{
  char *end;
  long  d = strtol(rest, &end, 10);
  if (end == rest || d < 0 || d >= 4) return 0;
  if (simple_size(info[0]) && !strcmp(end, "/Scale")) {
    image->scale[d] = read_value(p, (int)info[0]);
    return 1;
  }
  if (info[0] != 20 || n != 3 || info[1] != 4 || strcmp(end, "/Units")) return 0;
  if (info[2] >= sizeof image->units[d]) return 0; /* longer than any length unit: skipped */
  for (unsigned long long i = 0; i < info[2]; i++) {
    double code        = read_value(p, 4);
    image->units[d][i] = code == 0xB5 || code == 0x3BC    ? 'u'
                         : code == 0xC5 || code == 0x212B ? 'A'
                         : code >= 0x20 && code < 0x7F    ? (char)code
                                                          : '?';
  }
  image->units[d][info[2]] = '\0';
  return 1;
}

/* ImageList/<k>/ImageTags/{Microscope Info/Voltage, Microscope Info/Indicated Magnification,
 * DataBar/Exposure Time (s)}: the instrument metadata `info` prints. Returns 1 when read. */
static int metadata_tag(DmParser *p, const char *path, unsigned long long type)
{
  static const char prefix[] = "ImageList/";
  char             *end;
  if (!simple_size(type) || strncmp(path, prefix, sizeof prefix - 1)) return 0;
  long k = strtol(path + sizeof prefix - 1, &end, 10);
  if (end == path + sizeof prefix - 1 || k < 0 || k >= DM_MAX_IMAGES || strncmp(end, "/ImageTags/", 11)) return 0;
  const char *rest  = end + 11;
  DmImage    *image = &p->images[k];
  double     *value = !strcmp(rest, "Microscope Info/Voltage")                   ? &image->voltage
                      : !strcmp(rest, "Microscope Info/Indicated Magnification") ? &image->magnification
                      : !strcmp(rest, "DataBar/Exposure Time (s)")               ? &image->exposure
                                                                                 : NULL;
  if (!value) return 0;
  double read = read_value(p, (int)type);
  *value      = isfinite(read) && read > 0 ? read : 0;
  return 1;
}

static void data_tag(DmParser *p, const char *path)
{
  char marker[4];
  if (fread(marker, 1, 4, p->file) != 4 || memcmp(marker, "%%%%", 4)) {
    fail(p, "tag %s lacks its %%%%%%%% marker", path);
    return;
  }
  unsigned long long n = read_word(p);
  if (p->error) return;
  if (n == 0 || n > DM_MAX_INFO) {
    fail(p, "tag %s has %llu info words; allowed 1 to %d", path, n, DM_MAX_INFO);
    return;
  }
  unsigned long long info[DM_MAX_INFO];
  for (unsigned long long i = 0; i < n; i++) info[i] = read_word(p);
  if (p->error) return;
  unsigned long long type = info[0];
  /* Arrays: [20, element type, (struct description), length]; the length is the last word. */
  if (type == 20 && n < 3) {
    fail(p, "array tag %s has %llu info words; at least 3 needed", path, n);
    return;
  }
  int         k;
  const char *rest;
  if (image_tag(path, &k, &rest)) {
    DmImage *image = &p->images[k];
    if (type == 20 && !strcmp(rest, "Data")) { /* the pixel array: note where it is, skip it */
      unsigned long long element = info[1], count = info[n - 1];
      int                size = simple_size(element);
      if (!size && element != 15) {
        fail(p, "tag %s holds elements of type %llu; allowed simple numbers (2 to 12)", path, element);
        return;
      }
      image->data_offset   = ftello(p->file);
      image->element_type  = (int)element,
      image->element_count = (long long)(count > (unsigned long long)LLONG_MAX ? LLONG_MAX : count);
      if (size) {
        skip(p, count, (unsigned long long)size, path);
        return;
      } /* complex values are structs: noted (DataType says what they are), skipped below */
    }
    if (simple_size(type) && !strcmp(rest, "DataType")) {
      image->data_type = (int)read_count(p, type, 1 << 16, path);
      return;
    }
    char *end;
    if (simple_size(type) && !strncmp(rest, "Dimensions/", 11)) {
      long d = strtol(rest + 11, &end, 10);
      if (end != rest + 11 && *end == '\0' && d >= 0 && d < 4) {
        image->dims[d] = read_count(p, type, LLONG_MAX / 2, path); /* the product is checked later */
        if (d + 1 > image->n_dims) image->n_dims = (int)d + 1;
        return;
      }
    }
    if (!strncmp(rest, "Calibrations/Dimension/", 23) && calibration_tag(p, image, rest + 23, info, n)) return;
  }
  if (metadata_tag(p, path, type)) return;
  /* Anything else: skip its bytes. */
  if (simple_size(type))
    skip(p, 1, (unsigned long long)simple_size(type), path);
  else if (type == 18) { /* string: [18, length] in UTF-16 */
    if (n < 2) {
      fail(p, "string tag %s has no length", path);
      return;
    }
    skip(p, info[1], 2, path);
  } else if (type == 15) { /* struct: [15, name length, fields, (name length, type) x fields] */
    unsigned long long fields = n >= 3 ? info[2] : ~0ULL, bytes = 0;
    if (fields > (n - 3) / 2) {
      fail(p, "struct tag %s announces %llu fields in %llu info words", path, fields, n);
      return;
    }
    for (unsigned long long f = 0; f < fields; f++) bytes += (unsigned long long)simple_size(info[4 + 2 * f]);
    skip(p, 1, bytes, path);
  } else if (type == 20) {
    if (info[1] == 15) { /* array of structs: [20, 15, name length, fields, (name length, type) x fields, length] */
      unsigned long long fields = n >= 4 ? info[3] : ~0ULL, size = 0;
      if (fields > (n - 5) / 2 || n < 5) {
        fail(p, "array tag %s announces structs of %llu fields in %llu info words", path, fields, n);
        return;
      }
      for (unsigned long long f = 0; f < fields; f++) size += (unsigned long long)simple_size(info[5 + 2 * f]);
      skip(p, info[n - 1], size, path);
    } else
      skip(p, info[n - 1], (unsigned long long)simple_size(info[1]), path);
  } else
    fail(p, "tag %s has type %llu, which this reader does not know", path, type);
}

static void group(DmParser *p, const char *path, int depth)
{
  if (depth > 64) {
    fail(p, "tag groups nested deeper than 64 at %s", path);
    return;
  }
  (void)read_be(p, 1);
  (void)read_be(p, 1);
  unsigned long long tags = read_word(p);
  /* Each tag takes at least 3 bytes: a count beyond that is a lie, stopped by the end of the file. */
  for (unsigned long long t = 0; t < tags && !p->error; t++) {
    int  kind      = (int)read_be(p, 1);
    int  length    = (int)read_be(p, 2);
    char name[256] = "", child[1024];
    if (p->error) return;
    if (length > 0) {
      if (length >= (int)sizeof name) {
        fail(p, "a tag name of %d bytes under '%s'; allowed up to %d", length, path, (int)sizeof name - 1);
        return;
      }
      if (fread(name, 1, (size_t)length, p->file) != (size_t)length) {
        fail(p, "truncated in a tag name under '%s'", path);
        return;
      }
      name[length] = '\0';
    } else
      snprintf(name, sizeof name, "%llu", t); /* unnamed entries of a list: their index */
    if (p->version == 4) (void)read_be(p, 8); /* tag length, not needed */
    if (strlen(path) + strlen(name) + 2 > sizeof child) {
      fail(p, "tag path longer than %d bytes", (int)sizeof child);
      return;
    }
    strcpy(child, path); /* fits: checked just above */
    if (path[0]) strcat(child, "/");
    strcat(child, name);
    if (kind == 20)
      group(p, child, depth + 1);
    else if (kind == 21)
      data_tag(p, child);
    else if (kind == 0)
      return; /* end marker */
    else
      fail(p, "tag %s has kind %d; allowed 20 (group) or 21 (data)", child, kind);
  }
}

/* The file's signals are the ImageList entries with data, past entry 0 when there are several
 * (entry 0 is then the thumbnail DigitalMicrograph saves with the file). Signal `signal` (the
 * first when negative); *count gets how many there are. */
static DmImage *choose_image(DmParser *p, PetscInt signal, PetscInt *count)
{
  int      with_data = 0;
  DmImage *chosen    = NULL;
  for (int i = 0; i < DM_MAX_IMAGES; i++) with_data += p->images[i].data_offset >= 0 && p->images[i].n_dims >= 1;
  *count = 0;
  for (int i = with_data > 1 ? 1 : 0; i < DM_MAX_IMAGES; i++)
    if (p->images[i].data_offset >= 0 && p->images[i].n_dims >= 1) {
      if (*count == (signal < 0 ? 0 : signal)) chosen = &p->images[i];
      ++*count;
    }
  return chosen;
}

/* Spectra, profiles, complex and colour data are not micrographs: refused with what they are. */
static PetscErrorCode refuse_non_image(const DmImage *image, const char *path)
{
  int type = image->data_type;

  PetscFunctionBeginUser;
  PetscCheck(type != 3 && type != 13 && type != 27, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s' holds complex data (DataType %d: an FFT or a vector field), not an intensity image", path,
             type);
  PetscCheck(type != 8 && type != 23, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s' holds RGB colour data (DataType %d), not an intensity image", path, type);
  PetscCheck(image->n_dims >= 2 && image->dims[1] > 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s' holds 1-D data (a spectrum or profile of %lld channels), not an image", path,
             image->dims[0]);
  PetscCheck(image->n_dims <= 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s' holds %d-D data (a spectrum image or 4D-STEM), not an image or a stack", path,
             image->n_dims);
  PetscCheck(simple_size((unsigned long long)image->element_type), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s': DataType %d stored as elements of type %d; allowed simple numbers (2 to 12)", path, type,
             image->element_type);
  PetscFunctionReturn(0);
}

/* Å per unit of a DM length unit (nm, um, A, pm, mm, m); 0 for anything else (1/nm, eV, ''). */
static double angstrom_per_dm_unit(const char *units)
{
  static const struct {
    const char *name;
    double      angstrom;
  } known[] = {{"A", 1}, {"nm", 10}, {"um", 1e4}, {"pm", 1e-2}, {"mm", 1e7}, {"m", 1e10}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (!strcmp(units, known[i].name)) return known[i].angstrom;
  return 0;
}

/* Pixel size per axis in Å from Calibrations/Dimension/0 (x) and 1 (y); 0 where unknown. */
static void calibrate(const DmImage *image, Micrograph *m)
{
  double x        = image->scale[0] * angstrom_per_dm_unit(image->units[0]),
         y        = image->scale[1] * angstrom_per_dm_unit(image->units[1]);
  m->pixel_size_x = isfinite(x) && x > 0 ? x : 0;
  m->pixel_size_y = isfinite(y) && y > 0 ? y : 0;
  m->pixel_size   = m->pixel_size_x;
}

static PetscErrorCode read_dm_pixels(DmParser *p, const DmImage *image, PetscInt index, size_t pixels, const char *path,
                                     Micrograph *m)
{
  /* DataType 9 is int8 whatever element type the array declares (DM writes it as octets). */
  int element =
    image->data_type == 9 && simple_size((unsigned long long)image->element_type) == 1 ? 9 : image->element_type;

  PetscFunctionBeginUser;
  PetscCall(checked_malloc(pixels, sizeof(float), "the image", path, &m->pixels));
  /* The whole array was checked to lie inside the file when its tag was skipped. */
  PetscCheck(fseeko(p->file,
                    (off_t)(image->data_offset + (long long)index * (long long)pixels *
                                                   simple_size((unsigned long long)image->element_type)),
                    SEEK_SET) == 0,
             PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "DM file '%s': cannot seek to image %d", path, (int)index);
  for (size_t i = 0; i < pixels; i++) m->pixels[i] = (float)read_value(p, element);
  PetscCheck(!p->error, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "DM file '%s' is truncated", path);
  PetscFunctionReturn(0);
}

/* "uint16", "int8", "float32" from the DM element type (2 i16 ... 12 u64; DataType 9 is int8). */
static void dm_dtype(const DmImage *image, char dtype[16])
{
  static const struct {
    int is_float, is_signed, bits;
  } types[13] = {{0, 0, 0},  {0, 0, 0}, {0, 1, 16}, {0, 1, 32}, {0, 0, 16}, {0, 0, 32}, {1, 1, 32},
                 {1, 1, 64}, {0, 0, 8}, {0, 1, 8},  {0, 0, 8},  {0, 1, 64}, {0, 0, 64}};
  int t       = image->data_type == 9 ? 9 : image->element_type;
  if (t >= 2 && t <= 12)
    micrograph_dtype_name(types[t].is_float, types[t].is_signed, types[t].bits, dtype);
  else
    snprintf(dtype, 16, "type%d", image->data_type);
}

static PetscErrorCode read_dm_from(DmParser *p, const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  PetscFunctionBeginUser;
  for (int i = 0; i < DM_MAX_IMAGES; i++) p->images[i].data_offset = -1;
  p->version = (int)read_be(p, 4);
  PetscCheck(!p->error && (p->version == 3 || p->version == 4), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s': version %d; allowed 3 or 4", path, p->version);
  (void)read_be(p, p->version == 4 ? 8 : 4); /* root length */
  p->little = read_be(p, 4) == 1;
  group(p, "", 0);
  PetscCheck(!p->error, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "DM%d file '%s' is damaged: %s", p->version, path,
             p->fault);
  DmImage *image = choose_image(p, signal, &m->signals);
  PetscCheck(m->signals > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s' holds no image besides the thumbnail", path);
  PetscCheck(image, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-signal %d: DM file '%s' holds %d images", (int)signal,
             path, (int)m->signals);
  m->signal = signal < 0 ? 0 : signal;
  dm_dtype(image, m->dtype);
  m->voltage_kv = image->voltage / 1000, m->magnification = image->magnification, m->exposure_s = image->exposure;
  PetscCall(refuse_non_image(image, path));
  unsigned long long nx = (unsigned long long)image->dims[0], ny = (unsigned long long)image->dims[1],
                     frames = image->n_dims >= 3 ? (unsigned long long)image->dims[2] : 1;
  size_t pixels, values;
  /* The product is checked, not computed with wrap-around (which once let 17.9 GB through). */
  PetscCheck(nx > 0 && ny > 0 && frames > 0 && !size_multiply_overflows((size_t)nx, (size_t)ny, &pixels) &&
               !size_multiply_overflows(pixels, (size_t)frames, &values) &&
               values == (unsigned long long)image->element_count,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s': dimensions %llu x %llu x %llu do not match the %lld stored values", path, nx, ny, frames,
             image->element_count);
  PetscCheck(pixels <= (size_t)PETSC_MAX_INT && frames <= (unsigned long long)PETSC_MAX_INT, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "DM file '%s': %llu x %llu pixels (%llu images); allowed at most %d pixels and %d images", path, ny, nx,
             frames, (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  PetscCheck(index >= 0 && (unsigned long long)index < frames, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-index %d: DM file '%s' holds %llu images", (int)index, path, frames);
  m->nx = (PetscInt)nx, m->ny = (PetscInt)ny, m->frames = (PetscInt)frames;
  calibrate(image, m);
  PetscCall(read_dm_pixels(p, image, index, pixels, path, m));
  PetscCall(PetscStrncpy(m->format, p->version == 4 ? "dm4" : "dm3", sizeof m->format));
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_read_dm(const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  DmParser    p = {0};
  struct stat status;

  PetscFunctionBeginUser;
  p.file = fopen(path, "rb");
  p.path = path;
  PetscCheckPointerErrno(p.file, "cannot open the DM file", path);
  if (fstat(fileno(p.file), &status) != 0) {
    fclose(p.file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read the size of the DM file '%s'", path);
  }
  p.file_size         = (long long)status.st_size;
  PetscErrorCode ierr = read_dm_from(&p, path, signal, index, m);
  fclose(p.file);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
