/* micrograph.c — readers for micrograph files: TIFF, PNG, HDF5 (EMD v0.2, Velox EMD,
 * nanoforge databases, `images` files), FEI/TIA SER. Format by magic bytes.
 * SER layout (FEI TIA series file): little-endian header ByteOrder 0x4949, SeriesID 0x0197,
 * SeriesVersion (0x0210: 32-bit offsets, 0x0220: 64-bit), DataTypeID (0x4122 = 2-D),
 * TagTypeID, TotalNumberElements, ValidNumberElements, OffsetArrayOffset; each 2-D element:
 * calibration X (offset f64, delta f64, element i32), calibration Y (same), DataType i16,
 * ArraySizeX i32, ArraySizeY i32, data (row-major, X fastest). */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tiffio.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <hdf5.h>
#include "core/checked_size.h"
#include "db/database.h"
#include "core/error_check.h"
#include "core/hdf5_attribute.h"
#include "train/micrograph.h"

static PetscErrorCode check_image_size(const char *path, const char *what, unsigned long long ny, unsigned long long nx,
                                       unsigned long long frames);

PetscErrorCode micrograph_destroy(Micrograph **m)
{
  PetscFunctionBeginUser;
  if (!*m) PetscFunctionReturn(0);
  PetscCall(PetscFree((*m)->pixels));
  PetscCall(PetscFree(*m));
  PetscFunctionReturn(0);
}

/* "uint16", "int8", "float32": the stored sample type, for `info`. */
void micrograph_dtype_name(int is_float, int is_signed, int bits, char dtype[16])
{
  snprintf(dtype, 16, "%s%d", is_float ? "float" : is_signed ? "int" : "uint", bits);
}

/* ---------------- TIFF ---------------- */

/* libtiff's and libpng's messages go to this buffer instead of stderr: the PETSc error that
 * follows a failure quotes the last one, in one line. */
static char library_message[256];

static void keep_library_message(const char *module, const char *format, va_list arguments)
{
  char text[200];
  vsnprintf(text, sizeof text, format, arguments);
  snprintf(library_message, sizeof library_message, "%s%s%s", module ? module : "", module ? ": " : "", text);
  for (char *c = library_message; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
}

static void ignore_tiff_warning(const char *module, const char *format, va_list arguments)
{
  (void)module, (void)format, (void)arguments;
}

/* Å per ImageJ `unit=` value (micron, um, µm in UTF-8, nm, A, pm, mm, m); 0 for anything else. */
static double angstrom_per_imagej_unit(const char *unit, size_t length)
{
  static const struct {
    const char *name;
    double      angstrom;
  } known[] = {{"micron", 1e4}, {"um", 1e4},  {"\xc2\xb5m", 1e4}, {"\\u00B5m", 1e4}, {"nm", 10},
               {"A", 1},        {"pm", 1e-2}, {"mm", 1e7},        {"m", 1e10}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (strlen(known[i].name) == length && !strncmp(unit, known[i].name, length)) return known[i].angstrom;
  return 0;
}

/* FEI SEM/FIB TIFFs carry an INI text in private tag 34682; [Scan] PixelWidth/PixelHeight are
 * in metres. */
#define TIFFTAG_FEI_HELIOS 34682

static void tiff_fei_calibration(TIFF *tif, Micrograph *m)
{
  uint32_t    count = 0;
  const char *text  = NULL;
  char        copy[16384];
  if (!TIFFFindField(tif, TIFFTAG_FEI_HELIOS, TIFF_ANY) || !TIFFGetField(tif, TIFFTAG_FEI_HELIOS, &count, &text) ||
      !text)
    return;
  snprintf(copy, sizeof copy, "%.*s", (int)(count < sizeof copy ? count : sizeof copy - 1), text);
  const char *width = strstr(copy, "PixelWidth="), *height = strstr(copy, "PixelHeight=");
  double      x = width ? strtod(width + 11, NULL) * 1e10 : 0, y = height ? strtod(height + 12, NULL) * 1e10 : 0;
  m->pixel_size_x = isfinite(x) && x > 0 ? x : 0;
  m->pixel_size_y = isfinite(y) && y > 0 ? y : 0;
}

/* Pixel size per axis from what the writing program left: ImageJ's description (unit=) with
 * X/YResolution in pixels per unit, or FEI's tag. Other TIFFs stay uncalibrated. */
static void tiff_calibration(TIFF *tif, Micrograph *m)
{
  const char *description  = NULL, *unit;
  float       x_resolution = 0, y_resolution = 0;
  m->pixel_size_x = m->pixel_size_y = 0;
  if (TIFFGetField(tif, TIFFTAG_IMAGEDESCRIPTION, &description) && description && !strncmp(description, "ImageJ=", 7) &&
      (unit = strstr(description, "\nunit=")) && TIFFGetField(tif, TIFFTAG_XRESOLUTION, &x_resolution) &&
      TIFFGetField(tif, TIFFTAG_YRESOLUTION, &y_resolution) && x_resolution > 0 && y_resolution > 0) {
    unit += 6;
    double angstrom = angstrom_per_imagej_unit(unit, strcspn(unit, "\n"));
    m->pixel_size_x = angstrom / x_resolution;
    m->pixel_size_y = angstrom / y_resolution;
  } else
    tiff_fei_calibration(tif, m);
  m->pixel_size = m->pixel_size_x;
}

/* Sample layouts this reader decodes in its scanline path: 8/16/32/64-bit integers and 32/64-bit
 * IEEE floats, interleaved. Anything else either goes through libtiff's RGBA decoder (integer
 * samples of 1, 2, 4, 12, ... bits, tiles, planes) or is refused (other float widths, complex). */
static PetscErrorCode read_tiff_directory(TIFF *tif, const char *path, PetscInt index, long long file_size,
                                          Micrograph *m)
{
  uint32_t width = 0, height = 0;
  uint16_t bits = 8, samples = 1, format = SAMPLEFORMAT_UINT, planar = PLANARCONFIG_CONTIG,
           compression = COMPRESSION_NONE;
  unsigned char *row   = NULL;
  uint32_t      *rgba  = NULL;

  PetscFunctionBeginUser;
  m->frames = TIFFNumberOfDirectories(tif);
  PetscCheck(index >= 0 && index < m->frames, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-index %d: TIFF file '%s' holds %d images", (int)index, path, (int)m->frames);
  PetscCheck(TIFFSetDirectory(tif, (uint16_t)index), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "cannot read image %d of TIFF file '%s': %s", (int)index, path, library_message);
  TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
  TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
  TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
  TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
  TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
  TIFFGetFieldDefaulted(tif, TIFFTAG_COMPRESSION, &compression);
  PetscCall(check_image_size(path, "the TIFF image", height, width, (unsigned long long)m->frames));
  PetscCheck(samples >= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "TIFF file '%s': 0 samples per pixel", path);
  PetscCheck(
    format != SAMPLEFORMAT_IEEEFP || bits == 32 || bits == 64, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
    "TIFF file '%s': %u-bit floating-point samples are not supported; allowed 32 or 64 bits (or integer samples)", path,
    (unsigned)bits);
  PetscCheck(
    format == SAMPLEFORMAT_UINT || format == SAMPLEFORMAT_INT || format == SAMPLEFORMAT_IEEEFP ||
      format == SAMPLEFORMAT_VOID,
    PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
    "TIFF file '%s': sample format %u (complex) is not supported; allowed unsigned or signed integers and IEEE floats",
    path, (unsigned)format);
  size_t pixels = (size_t)width * height, bits_needed;
  if (compression ==
      COMPRESSION_NONE) { /* raw samples must all be in the file: no 4 GB request from a 200-byte header */
    PetscCall(checked_bytes(pixels, samples, bits, "the TIFF image (in bits)", path, &bits_needed));
    PetscCheck(
      bits_needed / 8 <= (size_t)file_size, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "TIFF file '%s': a %u x %u uncompressed image of %u x %u-bit samples does not fit in the file's %lld bytes", path,
      (unsigned)width, (unsigned)height, (unsigned)samples, (unsigned)bits, file_size);
  }
  m->ny = height, m->nx = width;
  PetscCall(checked_malloc(pixels, sizeof(float), "the image", path, &m->pixels));
  int simple =
    !TIFFIsTiled(tif) && planar == PLANARCONFIG_CONTIG && (bits == 8 || bits == 16 || bits == 32 || bits == 64);
  if (simple) {
    tsize_t line = TIFFScanlineSize(tif);
    size_t  needed;
    /* Every sample the loop below reads lies inside one scanline. */
    PetscCall(checked_bytes((size_t)width, samples, (size_t)bits / 8, "a TIFF row", path, &needed));
    PetscCheck(line > 0 && (size_t)line >= needed, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "TIFF file '%s': rows of %lld bytes cannot hold %u pixels of %u x %u-bit samples", path, (long long)line,
               (unsigned)width, (unsigned)samples, (unsigned)bits);
    PetscCall(checked_malloc((size_t)line, 1, "a TIFF row", path, &row));
    for (uint32_t y = 0; y < height; y++) {
      if (TIFFReadScanline(tif, row, y, 0) < 0) {
        PetscCall(PetscFree(row));
        SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "TIFF file '%s': cannot read row %u: %s", path, y,
                library_message);
      }
      for (uint32_t x = 0; x < width; x++) {
        double value    = 0;
        int    channels = samples >= 3 ? 3 : 1;
        for (int c = 0; c < channels; c++) {
          size_t k = (size_t)x * samples + c;
          double v;
          if (format == SAMPLEFORMAT_IEEEFP)
            v = bits == 32 ? ((float *)row)[k] : ((double *)row)[k];
          else if (format == SAMPLEFORMAT_INT)
            v = bits == 8    ? ((int8_t *)row)[k]
                : bits == 16 ? ((int16_t *)row)[k]
                : bits == 32 ? ((int32_t *)row)[k]
                             : (double)((int64_t *)row)[k];
          else
            v = bits == 8    ? row[k]
                : bits == 16 ? ((uint16_t *)row)[k]
                : bits == 32 ? ((uint32_t *)row)[k]
                             : (double)((uint64_t *)row)[k];
          value += channels == 3 ? (c == 0 ? 0.2126 : c == 1 ? 0.7152 : 0.0722) * v : v;
        }
        m->pixels[(size_t)y * width + x] = (float)value;
      }
    }
    PetscCall(PetscFree(row));
  } else { /* tiled, planar, odd bit depths: libtiff's 8-bit RGBA path */
    PetscCall(checked_malloc(pixels, sizeof(uint32_t), "the RGBA image", path, &rgba));
    if (!TIFFReadRGBAImageOriented(tif, width, height, rgba, ORIENTATION_TOPLEFT, 0)) {
      PetscCall(PetscFree(rgba));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
              "TIFF file '%s': cannot decode the image (%u x %u-bit samples): %s", path, (unsigned)samples,
              (unsigned)bits, library_message);
    }
    for (size_t p = 0; p < pixels; p++)
      m->pixels[p] = (float)(0.2126 * TIFFGetR(rgba[p]) + 0.7152 * TIFFGetG(rgba[p]) + 0.0722 * TIFFGetB(rgba[p]));
    PetscCall(PetscFree(rgba));
  }
  tiff_calibration(tif, m);
  micrograph_dtype_name(format == SAMPLEFORMAT_IEEEFP, format == SAMPLEFORMAT_INT, bits, m->dtype);
  if (samples >= 3) PetscCall(PetscStrlcat(m->dtype, " RGB", sizeof m->dtype));
  PetscCall(PetscStrncpy(m->format, "tiff", sizeof m->format));
  PetscFunctionReturn(0);
}

/* A TIFF whose pages all share one shape and sample layout is one signal, a stack of pages. One
 * whose pages differ (Olympus SIS: an RGB JPEG preview, then the 16-bit data) holds one signal
 * per page; the default is the first single-sample (grey) page. Returns the page count. */
#define TIFF_MAX_SCANNED_PAGES 4096

static int tiff_mixed_pages(TIFF *tif, PetscInt *default_page)
{
  uint32_t first[5] = {0}, page[5];
  int      pages = 0, mixed = 0;
  *default_page = -1;
  do {
    uint16_t bits = 8, samples = 1, format = SAMPLEFORMAT_UINT;
    uint32_t width = 0, height = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, &width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, &height);
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bits);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &samples);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    page[0] = width, page[1] = height, page[2] = bits, page[3] = samples, page[4] = format;
    if (pages == 0) memcpy(first, page, sizeof first);
    mixed |= memcmp(first, page, sizeof first) != 0;
    if (samples == 1 && *default_page < 0) *default_page = pages;
    pages++;
  } while (pages < TIFF_MAX_SCANNED_PAGES && TIFFReadDirectory(tif));
  if (*default_page < 0) *default_page = 0;
  TIFFSetDirectory(tif, 0);
  return mixed ? pages : 1;
}

/* Signal `signal` of a TIFF with mixed pages (its page), or image `index` of a uniform one. */
static PetscErrorCode read_tiff_signal(TIFF *tif, const char *path, PetscInt signal, PetscInt index,
                                       long long file_size, Micrograph *m)
{
  PetscFunctionBeginUser;
  m->signals = tiff_mixed_pages(tif, &m->default_signal);
  if (m->signals == 1) m->default_signal = 0;
  m->signal = signal < 0 ? m->default_signal : signal;
  PetscCheck(m->signal < m->signals, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-signal %d: TIFF file '%s' holds %d signal%s", (int)m->signal, path, (int)m->signals,
             m->signals == 1 ? "" : "s (pages of different kinds)");
  if (m->signals == 1) {
    PetscCall(read_tiff_directory(tif, path, index, file_size, m));
    PetscFunctionReturn(0);
  }
  PetscCheck(index == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-index %d: signal %d of TIFF file '%s' is one page; allowed 0", (int)index, (int)m->signal, path);
  PetscCall(read_tiff_directory(tif, path, m->signal, file_size, m));
  m->frames = 1;
  PetscCall(PetscSNPrintf(m->signal_name, sizeof m->signal_name, "page %d", (int)m->signal));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_tiff(const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  TIFF            *tif;
  struct stat      status;
  TIFFErrorHandler errors, warnings;

  PetscFunctionBeginUser;
  PetscCheck(stat(path, &status) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot read the TIFF file '%s': %s", path,
             strerror(errno));
  library_message[0]  = '\0';
  errors              = TIFFSetErrorHandler(keep_library_message);
  warnings            = TIFFSetWarningHandler(ignore_tiff_warning);
  tif                 = TIFFOpen(path, "r");
  PetscErrorCode ierr = tif ? read_tiff_signal(tif, path, signal, index, (long long)status.st_size, m) : 0;
  if (tif) TIFFClose(tif);
  TIFFSetErrorHandler(errors);
  TIFFSetWarningHandler(warnings);
  PetscCheck(tif, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "cannot read the TIFF file '%s': %s", path,
             library_message[0] ? library_message : "damaged");
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---------------- PNG ---------------- */

static void png_failed(png_structp png, png_const_charp message)
{
  snprintf(library_message, sizeof library_message, "%s", message);
  for (char *c = library_message; *c; c++)
    if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
  png_longjmp(png, 1);
}

static void png_warned(png_structp png, png_const_charp message) { (void)png, (void)message; }

static PetscErrorCode read_png(const char *path, Micrograph *m)
{
  FILE       *file = fopen(path, "rb");
  png_structp png;
  png_infop   info;
  unsigned char *volatile data = NULL; /* volatile: assigned after setjmp, freed after longjmp */
  png_bytep *volatile rows     = NULL;
  size_t      stride, pixels, bytes;
  png_uint_32 width, height;

  PetscFunctionBeginUser;
  PetscCheckPointerErrno(file, "cannot open the PNG file", path);
  library_message[0] = '\0';
  png                = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_failed, png_warned);
  info               = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "libpng: out of memory reading '%s'", path);
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, NULL);
    fclose(file);
    free(data);
    free(rows);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "PNG file '%s' is damaged or not a PNG: %s", path,
            library_message);
  }
  png_init_io(png, file);
  png_read_info(png, info);
  width = png_get_image_width(png, info), height = png_get_image_height(png, info);
  int depth = png_get_bit_depth(png, info), colour = png_get_color_type(png, info);
  if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (colour & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  if (depth == 16) png_set_swap(png); /* little-endian uint16 in memory */
  png_read_update_info(png, info);
  int channels = png_get_channels(png, info), sample_bytes = png_get_bit_depth(png, info) == 16 ? 2 : 1;
  stride = png_get_rowbytes(png, info);
  /* Sizes checked before the buffers: libpng limits each side to 10^6, not their product. */
  if (width == 0 || height == 0 || size_multiply_overflows(width, height, &pixels) || pixels > (size_t)PETSC_MAX_INT ||
      size_multiply_overflows(stride, height, &bytes) || stride < (size_t)width * channels * sample_bytes) {
    char reason[160];
    snprintf(reason, sizeof reason, "%u x %u pixels; allowed at most %d pixels", (unsigned)width, (unsigned)height,
             (int)PETSC_MAX_INT);
    png_error(png, reason);
  }
  size_t limit;
  if (memory_limit_bytes(&limit) || bytes > limit || pixels * sizeof(float) > limit) {
    char reason[160];
    snprintf(reason, sizeof reason, "%u x %u pixels need %.3g GB, more than the memory limit (-memory_limit)",
             (unsigned)width, (unsigned)height, (double)(bytes + pixels * sizeof(float)) / 1e9);
    png_error(png, reason);
  }
  data = malloc(bytes);
  rows = malloc(sizeof(png_bytep) * height);
  if (!data || !rows) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < height; y++) rows[y] = data + y * stride;
  png_read_image(png, rows);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(file);
  m->ny = height, m->nx = width, m->frames = 1;
  PetscErrorCode ierr = checked_malloc(pixels, sizeof(float), "the image", path, &m->pixels);
  for (png_uint_32 y = 0; !ierr && y < height; y++)
    for (png_uint_32 x = 0; x < width; x++) {
      double v[3] = {0, 0, 0};
      for (int c = 0; c < 3 && c < channels; c++) {
        size_t k = (size_t)x * channels + c;
        v[c]     = sample_bytes == 2 ? ((uint16_t *)rows[y])[k] : rows[y][k];
      }
      m->pixels[(size_t)y * width + x] = (float)(channels >= 3 ? 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2] : v[0]);
    }
  free(data);
  free(rows);
  PetscCall(ierr);
  micrograph_dtype_name(0, 0, 8 * sample_bytes, m->dtype);
  if (channels >= 3) PetscCall(PetscStrlcat(m->dtype, " RGB", sizeof m->dtype));
  PetscCall(PetscStrncpy(m->format, "png", sizeof m->format));
  PetscFunctionReturn(0);
}

/* ---------------- HDF5 ---------------- */

typedef struct {
  char name[256];
} FirstChild;

/* An attribute holding exactly one element (a scalar, or an array of one): HDF5 writes every
 * element of an attribute into the caller's buffer, so a many-element attribute read into one
 * variable would write past it. */
static PetscBool attribute_is_single(hid_t attribute)
{
  hid_t    space = H5Aget_space(attribute);
  hssize_t n     = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
  if (space >= 0) H5Sclose(space);
  return n == 1 ? PETSC_TRUE : PETSC_FALSE;
}

/* EMD: a group under /data with emd_group_type == 1 and a `data` dataset. */
static herr_t emd_group(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
  H5O_info_t object;
  (void)info;
  if (H5Oget_info_by_name(group, name, &object, H5P_DEFAULT) < 0 || object.type != H5O_TYPE_GROUP) return 0;
  hid_t child = H5Gopen2(group, name, H5P_DEFAULT);
  int   type = 0, found = 0;
  if (child >= 0) {
    if (H5Aexists(child, "emd_group_type") > 0) {
      hid_t attribute = H5Aopen(child, "emd_group_type", H5P_DEFAULT);
      hid_t stored    = attribute >= 0 ? H5Aget_type(attribute) : -1;
      int   numeric   = stored >= 0 && (H5Tget_class(stored) == H5T_INTEGER || H5Tget_class(stored) == H5T_FLOAT);
      if (numeric && attribute_is_single(attribute) && H5Aread(attribute, H5T_NATIVE_INT, &type) >= 0 && type == 1 &&
          H5Lexists(child, "data", H5P_DEFAULT) > 0)
        found = 1;
      if (stored >= 0) H5Tclose(stored);
      if (attribute >= 0) H5Aclose(attribute);
    }
    H5Gclose(child);
  }
  if (found) snprintf(((FirstChild *)data)->name, sizeof((FirstChild *)data)->name, "/data/%s", name);
  return found;
}

/* Å per unit of an EMD dim `units` attribute ("[n_m]", "nm", "[Å]", "m", ...); 0 unknown. */
static double angstrom_per_unit(const char *units)
{
  if (strstr(units, "n_m") || strstr(units, "nm")) return 10;
  if (strstr(units, "p_m") || strstr(units, "pm")) return 0.01;
  if (strstr(units, "Å") || strstr(units, "A]") || !strcmp(units, "A")) return 1;
  if (strstr(units, "u_m") || strstr(units, "um") || strstr(units, "µm")) return 1e4;
  if (!strcmp(units, "m") || !strcmp(units, "[m]")) return 1e10;
  return 0;
}

/* The `units` string attribute of an EMD dim dataset ("" when absent or not one string). */
static void emd_units(hid_t dim, char *units, size_t size)
{
  units[0] = '\0';
  if (H5Aexists(dim, "units") <= 0) return;
  hid_t attribute = H5Aopen(dim, "units", H5P_DEFAULT);
  if (attribute < 0) return;
  hid_t type = H5Aget_type(attribute);
  if (type >= 0 && H5Tget_class(type) == H5T_STRING && attribute_is_single(attribute)) {
    if (H5Tis_variable_str(type) > 0) {
      char *text   = NULL;
      hid_t memory = H5Tcopy(H5T_C_S1);
      H5Tset_size(memory, H5T_VARIABLE);
      if (H5Aread(attribute, memory, &text) >= 0 && text) snprintf(units, size, "%s", text), H5free_memory(text);
      H5Tclose(memory);
    } else {
      size_t length = H5Tget_size(type);
      if (length > 0 && length < size) {
        hid_t memory = H5Tcopy(H5T_C_S1);
        H5Tset_size(memory, length + 1);
        if (H5Aread(attribute, memory, units) < 0) units[0] = '\0';
        units[size - 1] = '\0';
        H5Tclose(memory);
      }
    }
  }
  if (type >= 0) H5Tclose(type);
  H5Aclose(attribute);
}

/* Pixel size in Å from the EMD dim dataset `group`/dim<rank> (its first two axis values and
 * its units); 0 when absent or in units not known. A dim that is not a 1-D axis is an error. */
static PetscErrorCode emd_pixel_size(hid_t file, const char *group, int rank, const char *path, double *pixel_size)
{
  char   name[320], units[64];
  double size = 0, axis[2];

  PetscFunctionBeginUser;
  *pixel_size = 0;
  PetscCall(PetscSNPrintf(name, sizeof name, "%s/dim%d", group, rank));
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  hid_t dim = H5Dopen2(file, name, H5P_DEFAULT);
  if (dim < 0) PetscFunctionReturn(0);
  hid_t space      = H5Dget_space(dim);
  int   dimensions = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
  if (dimensions != 1) {
    if (space >= 0) H5Sclose(space);
    H5Dclose(dim);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "'%s': the calibration axis %s has %d dimensions; an EMD dim dataset has 1", path, name, dimensions);
  }
  hsize_t n = 0, start = 0, count = 2;
  H5Sget_simple_extent_dims(space, &n, NULL);
  PetscErrorCode damaged = hdf5_dataset_check_storage(dim, name, path);
  if (damaged) {
    H5Sclose(space);
    H5Dclose(dim);
    PetscCall(damaged);
  }
  if (n >= 2) {
    hid_t memory = H5Screate_simple(1, &count, NULL);
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0 &&
        H5Dread(dim, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, axis) >= 0)
      size = axis[1] - axis[0];
    H5Sclose(memory);
  }
  H5Sclose(space);
  if (isfinite(size) && size > 0) {
    emd_units(dim, units, sizeof units);
    *pixel_size = size * angstrom_per_unit(units);
  }
  H5Dclose(dim);
  PetscFunctionReturn(0);
}

/* Image sizes from any file, checked before anything is allocated: at least 1 x 1 pixel,
 * and rows x columns (and the stack) within what PetscInt indexes. */
static PetscErrorCode check_image_size(const char *path, const char *what, unsigned long long ny, unsigned long long nx,
                                       unsigned long long frames)
{
  size_t pixels;

  PetscFunctionBeginUser;
  PetscCheck(ny > 0 && nx > 0 && frames > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s is %llu x %llu pixels (%llu images); an image needs at least 1 x 1 pixel", path, what, ny, nx,
             frames);
  PetscCheck(!size_multiply_overflows((size_t)ny, (size_t)nx, &pixels) && pixels <= (size_t)PETSC_MAX_INT &&
               frames <= (unsigned long long)PETSC_MAX_INT,
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s is %llu x %llu pixels (%llu images); allowed at most %d pixels and %d images", path, what, ny,
             nx, frames, (int)PETSC_MAX_INT, (int)PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

/* Read 2-D image `index` of the open dataset `set` of rank 2 ([ny][nx]), 3 with the stack first
 * ([N][ny][nx]) or, for Velox, last ([ny][nx][N]), or 4 as [N][ny][nx][1]. */
static PetscErrorCode read_hdf5_image_from(hid_t set, hid_t space, const char *name, PetscInt index,
                                           PetscBool stack_last, const char *path, Micrograph *m)
{
  hsize_t dims[H5S_MAX_RANK], start[4] = {0, 0, 0, 0}, count[4] = {1, 1, 1, 1}, ny, nx, frames;
  int     rank, stored_rank;
  hid_t   type, memory;
  H5T_class_t class;

  PetscFunctionBeginUser;
  /* The rank first: dims[] is filled with as many entries as the file says. */
  stored_rank = rank = H5Sget_simple_extent_ndims(space);
  PetscCheck(rank >= 0 && rank <= H5S_MAX_RANK, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': cannot read the shape of %s", path, name);
  PetscCheck(rank == 2 || rank == 3 || rank == 4, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s has %d dimensions; expected an image [ny][nx] or a stack of images", path, name, rank);
  PetscCheck(H5Sget_simple_extent_dims(space, dims, NULL) == rank, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': cannot read the shape of %s", path, name);
  PetscCheck(rank < 4 || dims[3] == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s is 4-D with %llu channels; expected [N][ny][nx][1]", path, name, (unsigned long long)dims[3]);
  if (rank == 4) rank = 3; /* [N][ny][nx][1] */
  type  = H5Dget_type(set);
  class = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
  if (class == H5T_COMPOUND)
    PetscCall(PetscStrncpy(m->dtype, "complex", sizeof m->dtype));
  else
    micrograph_dtype_name(class == H5T_FLOAT, class == H5T_INTEGER && H5Tget_sign(type) == H5T_SGN_2,
                          8 * (int)H5Tget_size(type), m->dtype);
  if (type >= 0) H5Tclose(type);
  PetscCheck(class != H5T_COMPOUND, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s holds compound values (complex data: an FFT or a DPC vector field), not an intensity image",
             path, name);
  PetscCheck(class == H5T_INTEGER || class == H5T_FLOAT, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "'%s': %s does not hold numbers (HDF5 type class %d); expected integer or float pixels", path, name,
             (int)class);
  if (rank == 2)
    ny = dims[0], nx = dims[1], frames = 1;
  else if (stack_last)
    ny = dims[0], nx = dims[1], frames = dims[2];
  else
    frames = dims[0], ny = dims[1], nx = dims[2];
  PetscCall(check_image_size(path, name, ny, nx, frames));
  PetscCall(hdf5_dataset_check_storage(set, name, path));
  m->frames = (PetscInt)frames, m->ny = (PetscInt)ny, m->nx = (PetscInt)nx;
  PetscCheck(index >= 0 && index < m->frames, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-index %d: '%s' holds %d images in %s", (int)index, path, (int)m->frames, name);
  if (rank == 2)
    count[0] = ny, count[1] = nx;
  else if (stack_last)
    start[2] = (hsize_t)index, count[0] = ny, count[1] = nx;
  else
    start[0] = (hsize_t)index, count[1] = ny, count[2] = nx;
  PetscCall(checked_malloc((size_t)ny * nx, sizeof(float), "the image", path, &m->pixels));
  PetscCallHDF5(H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL), "selecting the image", path);
  memory = H5Screate_simple(stored_rank, count, NULL);
  PetscCallHDF5(memory, "H5Screate_simple", path);
  herr_t status = H5Dread(set, H5T_NATIVE_FLOAT, memory, space, H5P_DEFAULT, m->pixels);
  H5Sclose(memory);
  PetscCallHDF5(status, "reading the image", path);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_hdf5_image(hid_t file, const char *name, PetscInt index, PetscBool stack_last,
                                      const char *path, Micrograph *m)
{
  hid_t set, space;

  PetscFunctionBeginUser;
  set = H5Dopen2(file, name, H5P_DEFAULT);
  PetscCheck(set >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot open the image dataset %s", path,
             name);
  space = H5Dget_space(set);
  PetscErrorCode status =
    space >= 0 ? read_hdf5_image_from(set, space, name, index, stack_last, path, m) : PETSC_ERR_FILE_UNEXPECTED;
  if (space >= 0) H5Sclose(space);
  H5Dclose(set);
  PetscCheck(space >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "'%s': cannot read the shape of %s", path, name);
  PetscCall(status);
  PetscFunctionReturn(0);
}

/* The number after "key":" in Velox's JSON metadata, searched from `from` (0 when absent). */
static double velox_number(const char *from, const char *key)
{
  const char *at = strstr(from, key);
  return at ? strtod(at + strlen(key), NULL) : 0;
}

/* Velox signals: the groups under /Data/Spectrum, then those under /Data/Image, each in
 * group-name order (rosettasciio's order, which REFERENCE.json follows). */
#define VELOX_MAX_SIGNALS 64

typedef struct {
  char name[VELOX_MAX_SIGNALS][64];
  int  spectrum[VELOX_MAX_SIGNALS];
  int  count;
} VeloxSignals;

static herr_t velox_collect(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
  VeloxSignals *v = data;
  (void)group, (void)info;
  if (v->count < VELOX_MAX_SIGNALS) snprintf(v->name[v->count++], sizeof v->name[0], "%s", name);
  return 0;
}

static void velox_list(hid_t file, VeloxSignals *v)
{
  static const char *kinds[2] = {"/Data/Spectrum", "/Data/Image"};
  v->count                    = 0;
  for (int k = 0; k < 2; k++) {
    int   first = v->count;
    hid_t group = H5Lexists(file, kinds[k], H5P_DEFAULT) > 0 ? H5Gopen2(file, kinds[k], H5P_DEFAULT) : -1;
    if (group >= 0) H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, velox_collect, v), H5Gclose(group);
    for (int i = first; i < v->count; i++) v->spectrum[i] = k == 0;
  }
}

/* The JSON metadata text of a Velox group's first frame (NULL when absent); caller frees. */
static PetscErrorCode velox_metadata(hid_t file, const char *group, const char *path, char **text_out)
{
  char    name[400], *text  = NULL;
  hsize_t dims[2], start[2] = {0, 0}, count[2] = {0, 1};

  PetscFunctionBeginUser;
  *text_out = NULL;
  PetscCall(PetscSNPrintf(name, sizeof name, "%s/Metadata", group));
  if (H5Lexists(file, name, H5P_DEFAULT) <= 0) PetscFunctionReturn(0);
  hid_t set = H5Dopen2(file, name, H5P_DEFAULT), space = set >= 0 ? H5Dget_space(set) : -1;
  int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 2 && H5Sget_simple_extent_dims(space, dims, NULL) == 2 &&
           dims[0] > 0 && dims[0] <= (1u << 24) && dims[1] >= 1;
  PetscErrorCode damaged = ok ? hdf5_dataset_check_storage(set, name, path) : 0;
  if (ok && !damaged) {
    count[0]     = dims[0];
    hid_t memory = H5Screate_simple(2, count, NULL);
    ok           = memory >= 0 && H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
         PetscMalloc1(dims[0] + 1, &text) == 0 && H5Dread(set, H5T_NATIVE_UCHAR, memory, space, H5P_DEFAULT, text) >= 0;
    if (memory >= 0) H5Sclose(memory);
  }
  if (space >= 0) H5Sclose(space);
  if (set >= 0) H5Dclose(set);
  if (!ok || damaged) PetscCall(PetscFree(text));
  PetscCall(damaged);
  if (ok) text[dims[0]] = '\0'; /* the JSON ends at its first NUL; this one bounds a text without any */
  *text_out = text;
  PetscFunctionReturn(0);
}

/* The string after "key":" in Velox JSON, into out ("" when absent). */
static void velox_string(const char *text, const char *key, char *out, size_t size)
{
  const char *at = text ? strstr(text, key) : NULL;
  out[0]         = '\0';
  if (at) snprintf(out, size, "%.*s", (int)strcspn(at + strlen(key), "\""), at + strlen(key));
}

/* Velox keeps each frame's metadata as JSON text in column k of the uint8 array
 * <group>/Metadata [length][frames]; BinaryResult/PixelSize {width, height} is in PixelUnitX/Y
 * (metres). A file without it (or with other units) stays uncalibrated. */
static PetscErrorCode velox_pixel_size(hid_t file, const char *group, const char *path, Micrograph *m)
{
  char *text = NULL;

  PetscFunctionBeginUser;
  PetscCall(velox_metadata(file, group, path, &text));
  if (text) {
    const char *result = strstr(text, "\"PixelSize\"");
    const char *unit_x = strstr(text, "\"PixelUnitX\":\"m\""), *unit_y = strstr(text, "\"PixelUnitY\":\"m\"");
    double      x   = result ? velox_number(result, "\"width\":\"") * 1e10 : 0,
           y        = result ? velox_number(result, "\"height\":\"") * 1e10 : 0;
    m->pixel_size_x = unit_x && isfinite(x) && x > 0 ? x : 0;
    m->pixel_size_y = unit_y && isfinite(y) && y > 0 ? y : 0;
    m->pixel_size   = m->pixel_size_x;
  }
  PetscCall(PetscFree(text));
  PetscFunctionReturn(0);
}

/* Whether the Velox image group's Data is stored as compound (complex) values. */
static int velox_is_complex(hid_t file, const char *group)
{
  char name[400];
  snprintf(name, sizeof name, "/Data/Image/%s/Data", group);
  hid_t set        = H5Lexists(file, name, H5P_DEFAULT) > 0 ? H5Dopen2(file, name, H5P_DEFAULT) : -1;
  hid_t type       = set >= 0 ? H5Dget_type(set) : -1;
  int   is_complex = type >= 0 && H5Tget_class(type) == H5T_COMPOUND;
  if (type >= 0) H5Tclose(type);
  if (set >= 0) H5Dclose(set);
  return is_complex;
}

/* Velox's default: the HAADF image, else the first real-valued image, else signal 0. */
static PetscErrorCode velox_default(hid_t file, const VeloxSignals *v, const char *path, PetscInt *chosen)
{
  PetscInt first_real = -1;

  PetscFunctionBeginUser;
  *chosen = 0;
  for (int i = 0; i < v->count; i++) {
    char group[128], *text = NULL, detector[64];
    if (v->spectrum[i]) continue;
    snprintf(group, sizeof group, "/Data/Image/%s", v->name[i]);
    PetscCall(velox_metadata(file, group, path, &text));
    velox_string(text, "\"Detector\":\"", detector, sizeof detector);
    PetscCall(PetscFree(text));
    if (!strcasecmp(detector, "HAADF")) {
      *chosen = i;
      PetscFunctionReturn(0);
    }
    if (first_real < 0 && !velox_is_complex(file, v->name[i])) first_real = i;
  }
  if (first_real >= 0) *chosen = first_real;
  PetscFunctionReturn(0);
}

static PetscErrorCode read_velox(hid_t file, const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  VeloxSignals v;
  char         group[400], name[420], *text = NULL;

  PetscFunctionBeginUser;
  velox_list(file, &v);
  PetscCheck(v.count > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Velox EMD file '%s' has no image under /Data/Image", path);
  m->signals = v.count;
  PetscCall(velox_default(file, &v, path, &m->default_signal));
  m->signal = signal < 0 ? m->default_signal : signal;
  PetscCheck(m->signal < v.count, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-signal %d: Velox EMD file '%s' holds %d signals", (int)m->signal, path, v.count);
  PetscCall(
    PetscSNPrintf(group, sizeof group, "/Data/%s/%s", v.spectrum[m->signal] ? "Spectrum" : "Image", v.name[m->signal]));
  PetscCall(velox_metadata(file, group, path, &text));
  velox_string(text, "\"Detector\":\"", m->signal_name, sizeof m->signal_name);
  if (text) { /* volts and seconds in the JSON */
    double volts = velox_number(text, "\"AccelerationVoltage\":\""), dwell = velox_number(text, "\"DwellTime\":\"");
    m->voltage_kv = isfinite(volts) && volts > 0 ? volts / 1000 : 0;
    m->exposure_s = isfinite(dwell) && dwell > 0 ? dwell : 0;
  }
  PetscCall(PetscFree(text));
  PetscCall(PetscStrncpy(m->format, "velox-emd", sizeof m->format));
  PetscCheck(!v.spectrum[m->signal], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "Velox EMD file '%s': signal %d (%s) is a 1-D spectrum (EDS sum spectrum), not an image", path,
             (int)m->signal, group);
  PetscCall(PetscSNPrintf(name, sizeof name, "%s/Data", group));
  PetscCall(read_hdf5_image(file, name, index, PETSC_TRUE, path, m));
  PetscCall(velox_pixel_size(file, group, path, m));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_hdf5_from(hid_t file, const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  FirstChild child = {""};
  char       name[400];

  PetscFunctionBeginUser;
  if (H5Lexists(file, "/Data", H5P_DEFAULT) > 0 && H5Lexists(file, "/Data/Image", H5P_DEFAULT) > 0) { /* Velox */
    PetscCall(read_velox(file, path, signal, index, m));
  } else if (H5Lexists(file, "/data", H5P_DEFAULT) > 0) {
    hid_t group = H5Gopen2(file, "/data", H5P_DEFAULT);
    PetscCheck(group >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "'%s': /data is not a group (EMD files keep their images in groups under /data)", path);
    /* nanoforge databases have their images group (database.h); Berkeley EMD files any name */
    if (H5Lexists(file, DATABASE_IMAGES_GROUP, H5P_DEFAULT) > 0)
      snprintf(child.name, sizeof child.name, "%s", DATABASE_IMAGES_GROUP);
    else
      H5Literate(group, H5_INDEX_NAME, H5_ITER_INC, NULL, emd_group, &child);
    H5Gclose(group);
    PetscCheck(child.name[0], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "EMD file '%s' has no group with emd_group_type=1 under /data", path);
    PetscCall(PetscSNPrintf(name, sizeof name, "%s/data", child.name));
    PetscCall(read_hdf5_image(file, name, index, PETSC_FALSE, path, m));
    /* dim<rank> is the columns axis, dim<rank-1> the rows axis */
    int columns_axis = m->frames > 1 || !strcmp(child.name, DATABASE_IMAGES_GROUP) ? 3 : 2;
    PetscCall(emd_pixel_size(file, child.name, columns_axis, path, &m->pixel_size_x));
    PetscCall(emd_pixel_size(file, child.name, columns_axis - 1, path, &m->pixel_size_y));
    m->pixel_size = m->pixel_size_x;
    PetscCall(PetscStrncpy(m->format, "emd", sizeof m->format));
  } else if (H5Lexists(file, "images", H5P_DEFAULT) > 0) {
    PetscCall(read_hdf5_image(file, "images", index, PETSC_FALSE, path, m));
    PetscCall(PetscStrncpy(m->format, "hdf5", sizeof m->format));
  } else
    SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
      "HDF5 file '%s' holds no image: expected EMD (/data/<group>/data), Velox (/Data/Image) or an 'images' dataset",
      path);
  PetscFunctionReturn(0);
}

static PetscErrorCode read_hdf5(const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  hid_t       file;
  H5E_auto2_t report;
  void       *report_data;

  PetscFunctionBeginUser;
  /* HDF5's own error stack is silenced while a micrograph is read: a damaged or hostile file
   * gets one PETSc error naming the file and the fault, not pages of HDF5 diagnostics. */
  (void)H5Eget_auto2(H5E_DEFAULT, &report, &report_data);
  (void)H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  file                  = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscErrorCode status = file >= 0 ? read_hdf5_from(file, path, signal, index, m) : 0;
  if (file >= 0) H5Fclose(file);
  (void)H5Eset_auto2(H5E_DEFAULT, report, report_data);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "cannot open the HDF5 micrograph '%s': damaged, truncated or not HDF5", path);
  PetscCall(status);
  PetscFunctionReturn(0);
}

/* ---------------- FEI / TIA SER ---------------- */

/* `size` bytes at `offset`, which the caller has checked to lie inside the file. */
static PetscErrorCode read_bytes(FILE *file, long long offset, void *buffer, size_t size, const char *path)
{
  PetscFunctionBeginUser;
  PetscCheck(offset >= 0 && fseeko(file, (off_t)offset, SEEK_SET) == 0 && fread(buffer, 1, size, file) == size,
             PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "SER file '%s' is truncated (reading %zu bytes at offset %lld)",
             path, size, offset);
  PetscFunctionReturn(0);
}

/* Every offset and size in a SER header is checked against the file's size before it is used:
 * a 51-byte file must not ask for terabytes. */
static PetscErrorCode check_inside(const char *path, const char *what, long long offset, size_t bytes,
                                   long long file_size)
{
  PetscFunctionBeginUser;
  PetscCheck(offset >= 0 && offset <= file_size && bytes <= (unsigned long long)(file_size - offset), PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "SER file '%s': %s (%zu bytes at offset %lld) lies outside the file of %lld bytes", path, what, bytes,
             offset, file_size);
  PetscFunctionReturn(0);
}

/* The SER format is little-endian; these readers assume a little-endian host (x86, ARM). */
static PetscErrorCode read_ser_from(FILE *file, long long file_size, const char *path, PetscInt index, Micrograph *m)
{
  uint16_t         header[3];
  int32_t          fields[4];
  long long        offset_array, element;
  unsigned char    head[50], *raw = NULL;
  static const int sizes[9] = {0, 1, 2, 4, 1, 2, 4, 4, 8};

  PetscFunctionBeginUser;
  PetscCall(check_inside(path, "the header", 0, 22, file_size));
  PetscCall(read_bytes(file, 0, header, 6, path));
  PetscCall(read_bytes(file, 6, fields, 16, path)); /* DataTypeID, TagTypeID, total, valid */
  int wide = header[2] >= 0x0220;
  PetscCheck(fields[0] == 0x4122, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "SER file '%s' holds 1-D data (spectra, DataTypeID 0x%x), not images", path, fields[0]);
  PetscCheck(fields[3] >= 1 && fields[3] <= fields[2], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "SER file '%s': %d valid elements of %d; allowed 1 to the total", path, fields[3], fields[2]);
  m->frames = fields[3];
  PetscCheck(index >= 0 && index < m->frames, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-index %d: SER file '%s' holds %d images", (int)index, path, (int)m->frames);
  if (wide) {
    PetscCall(check_inside(path, "the offset of the offset array", 22, 8, file_size));
    PetscCall(read_bytes(file, 22, &offset_array, 8, path));
  } else {
    int32_t o;
    PetscCall(check_inside(path, "the offset of the offset array", 22, 4, file_size));
    PetscCall(read_bytes(file, 22, &o, 4, path));
    offset_array = o;
  }
  /* index < valid <= 2^31: the entry's offset cannot overflow once offset_array is in the file */
  PetscCall(check_inside(path, "the offset array", offset_array, (size_t)(index + 1) * (wide ? 8 : 4), file_size));
  if (wide)
    PetscCall(read_bytes(file, offset_array + 8 * (long long)index, &element, 8, path));
  else {
    int32_t o;
    PetscCall(read_bytes(file, offset_array + 4 * (long long)index, &o, 4, path));
    element = o;
  }
  PetscCall(check_inside(path, "the element header", element, sizeof head, file_size));
  PetscCall(read_bytes(file, element, head, sizeof head, path));
  double  delta_x, delta_y;
  int16_t type;
  int32_t nx, ny;
  memcpy(&delta_x, head + 8, 8);
  memcpy(&delta_y, head + 28, 8);
  memcpy(&type, head + 40, 2);
  memcpy(&nx, head + 42, 4);
  memcpy(&ny, head + 46, 4);
  PetscCheck(type >= 1 && type <= 8 && nx > 0 && ny > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "SER file '%s': unsupported element (type %d, %d x %d)", path, type, nx, ny);
  PetscCall(check_image_size(path, "the element", (unsigned long long)ny, (unsigned long long)nx,
                             (unsigned long long)m->frames));
  size_t n = (size_t)nx * ny, bytes;
  PetscCall(checked_bytes(n, 1, (size_t)sizes[type], "the element's data", path, &bytes));
  PetscCall(check_inside(path, "the element's data", element + (long long)sizeof head, bytes, file_size));
  PetscCall(checked_malloc(bytes, 1, "the element's data", path, &raw));
  PetscErrorCode ierr = read_bytes(file, element + (long long)sizeof head, raw, bytes, path);
  if (!ierr) ierr = checked_malloc(n, sizeof(float), "the image", path, &m->pixels);
  if (ierr) PetscCall(PetscFree(raw));
  PetscCall(ierr);
  m->ny = ny, m->nx = nx;
  m->pixel_size = m->pixel_size_x = delta_x * 1e10; /* metres → Å */
  m->pixel_size_y                 = delta_y * 1e10;
  /* TIA stores the bottom row first; TIA, HyperSpy and ncempy show it last. */
  for (size_t p = 0; p < n; p++) {
    size_t shown = (size_t)(ny - 1 - (int32_t)(p / (size_t)nx)) * (size_t)nx + p % (size_t)nx;
    double v;
    switch (type) {
    case 1:
      v = raw[p];
      break;
    case 2:
      v = ((uint16_t *)raw)[p];
      break;
    case 3:
      v = ((uint32_t *)raw)[p];
      break;
    case 4:
      v = ((int8_t *)raw)[p];
      break;
    case 5:
      v = ((int16_t *)raw)[p];
      break;
    case 6:
      v = ((int32_t *)raw)[p];
      break;
    case 7:
      v = ((float *)raw)[p];
      break;
    default:
      v = ((double *)raw)[p];
      break;
    }
    m->pixels[shown] = (float)v;
  }
  PetscCall(PetscFree(raw));
  micrograph_dtype_name(type >= 7, type >= 4, 8 * sizes[type], m->dtype);
  PetscCall(PetscStrncpy(m->format, "ser", sizeof m->format));
  PetscFunctionReturn(0);
}

/* `name` is what messages call the file: the path, or for an .emi the .emi and its series. */
static PetscErrorCode read_ser(const char *path, const char *name, PetscInt index, Micrograph *m)
{
  FILE       *file = fopen(path, "rb");
  struct stat status;

  PetscFunctionBeginUser;
  PetscCheckPointerErrno(file, "cannot open the SER file", path);
  if (fstat(fileno(file), &status) != 0) {
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read the size of the SER file '%s'", path);
  }
  PetscErrorCode ierr = read_ser_from(file, (long long)status.st_size, name, index, m);
  fclose(file);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_read_dm(const char *path, PetscInt signal, PetscInt index, Micrograph *m); /* dm.c */

#define EMI_MAX_SERIES 16

/* A TIA .emi holds the metadata; its data are in <stem>_1.ser, _2.ser, ... (one per detector),
 * which TIA, HyperSpy and ncempy open in its place: signal k is <stem>_<k+1>.ser. */
static PetscErrorCode read_emi(const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  char   series[PETSC_MAX_PATH_LEN], name[2 * PETSC_MAX_PATH_LEN];
  size_t length = strlen(path);

  PetscFunctionBeginUser;
  PetscCheck(length > 4 && !strcasecmp(path + length - 4, ".emi") && length + 4 < sizeof series, PETSC_COMM_SELF,
             PETSC_ERR_FILE_UNEXPECTED,
             "'%s' is a TIA .emi file, but its name does not end in .emi: its series <stem>_1.ser cannot be found",
             path);
  m->signals = 0;
  for (int k = 1; k <= EMI_MAX_SERIES; k++) {
    PetscCall(PetscSNPrintf(series, sizeof series, "%.*s_%d.ser", (int)(length - 4), path, k));
    if (access(series, R_OK) != 0) break;
    m->signals = k;
  }
  m->signal = signal < 0 ? 0 : signal;
  PetscCall(PetscSNPrintf(series, sizeof series, "%.*s_%d.ser", (int)(length - 4), path, (int)m->signal + 1));
  PetscCheck(m->signals > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN,
             "TIA file '%s' keeps its data in '%s', which cannot be read: %s", path, series, strerror(errno));
  PetscCheck(m->signal < m->signals, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-signal %d: TIA file '%s' has %d series (_1.ser to _%d.ser)", (int)m->signal, path, (int)m->signals,
             (int)m->signals);
  const char *base = strrchr(series, '/');
  PetscCall(PetscStrncpy(m->signal_name, base ? base + 1 : series, sizeof m->signal_name));
  PetscCall(PetscSNPrintf(name, sizeof name, "%s, series %s", path, series));
  PetscCall(read_ser(series, name, index, m));
  PetscFunctionReturn(0);
}

/* The format's reader; `m` keeps what was learnt (signal count, format) even when it fails. */
static PetscErrorCode read_into(const char *path, PetscInt signal, PetscInt index, Micrograph *m)
{
  unsigned char magic[8] = {0};
  FILE         *file;

  PetscFunctionBeginUser;
  file = fopen(path, "rb");
  PetscCheckPointerErrno(file, "cannot open the micrograph", path);
  struct stat file_status;
  int         is_file = fstat(fileno(file), &file_status) == 0 && S_ISREG(file_status.st_mode);
  size_t      got     = is_file ? fread(magic, 1, sizeof magic, file) : 0;
  fclose(file);
  PetscCheck(is_file, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "the micrograph '%s' is a directory or not a regular file",
             path);
  m->signals = 1, m->signal = 0, m->default_signal = 0;
  int tiff = got >= 4 && ((magic[0] == 'I' && magic[1] == 'I' && magic[2] == 42) ||
                          (magic[0] == 'M' && magic[1] == 'M' && magic[3] == 42));
  int png  = got >= 8 && !memcmp(magic, "\x89PNG\r\n\x1a\n", 8);
  int ser  = got >= 4 && magic[0] == 0x49 && magic[1] == 0x49 && magic[2] == 0x97 && magic[3] == 0x01;
  int hdf5 = got >= 8 && !memcmp(magic, "\x89HDF\r\n\x1a\n", 8);
  int emi  = got >= 4 && magic[0] == 'J' && magic[1] == 'K' && magic[2] == 0 && magic[3] == 2;
  int dm   = got >= 4 && magic[0] == 0 && magic[1] == 0 && magic[2] == 0 && (magic[3] == 3 || magic[3] == 4);
  PetscCheck(!(png || ser) || signal <= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-signal %d: '%s' holds one signal (0)", (int)signal, path);
  static const char *kinds[] = {"tiff", "png", "hdf5", "ser", "emi", "dm"};
  int                kind    = tiff ? 0 : png ? 1 : hdf5 ? 2 : ser ? 3 : emi ? 4 : dm ? 5 : -1;
  /* Known from the first bytes: a refusal of one signal still says what the file is. */
  if (kind >= 0) PetscCall(PetscStrncpy(m->format, kinds[kind], sizeof m->format));
  if (dm) m->format[2] = (char)('0' + magic[3]), m->format[3] = '\0';
  if (tiff)
    PetscCall(read_tiff(path, signal, index, m));
  else if (png)
    PetscCall(read_png(path, m));
  else if (hdf5)
    PetscCall(read_hdf5(path, signal, index, m));
  else if (ser)
    PetscCall(read_ser(path, path, index, m));
  else if (emi)
    PetscCall(read_emi(path, signal, index, m));
  else if (dm)
    PetscCall(micrograph_read_dm(path, signal, index, m));
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "'%s' is not a micrograph format nanoforge reads (TIFF, PNG, HDF5/EMD, Velox EMD, SER/EMI, DM3, DM4)",
            path);
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_read_signal(const char *path, PetscInt signal, PetscInt index, Micrograph **out)
{
  Micrograph *m;

  PetscFunctionBeginUser;
  PetscCall(PetscCalloc1(1, &m));
  PetscErrorCode status = read_into(path, signal, index, m);
  if (status) {
    PetscCall(PetscFree(m->pixels));
    PetscCall(PetscFree(m));
    PetscCall(status);
  }
  *out = m;
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_read(const char *path, PetscInt index, Micrograph **out)
{
  PetscFunctionBeginUser;
  PetscCall(micrograph_read_signal(path, MICROGRAPH_DEFAULT_SIGNAL, index, out));
  PetscFunctionReturn(0);
}

/* The first line of a PETSc error, kept while micrograph_signals reads each signal. */
static char signal_error[512];

static PetscErrorCode keep_signal_error(MPI_Comm comm, int line, const char *function, const char *file,
                                        PetscErrorCode n, PetscErrorType p, const char *message, void *context)
{
  (void)comm, (void)line, (void)function, (void)file, (void)context;
  if (p == PETSC_ERROR_INITIAL && !signal_error[0] && message)
    snprintf(signal_error, sizeof signal_error, "%s", message);
  return n;
}

/* Signal k read into `entry`; a refusal is kept as its message, other errors returned. */
static PetscErrorCode describe_signal(const char *path, PetscInt k, MicrographSignal *entry, PetscInt *count,
                                      PetscInt *chosen)
{
  Micrograph m = {0};

  PetscFunctionBeginUser;
  signal_error[0] = '\0';
  PetscCall(PetscPushErrorHandler(keep_signal_error, NULL));
  PetscErrorCode status = read_into(path, k, 0, &m);
  PetscCall(PetscPopErrorHandler());
  PetscCall(PetscFree(m.pixels));
  *count = m.signals, *chosen = m.default_signal;
  /* A file that is not a micrograph, or unreadable, is an error for the caller too. */
  PetscCheck(!status || m.format[0], PETSC_COMM_SELF, status, "%s", signal_error);
  PetscCall(PetscStrncpy(entry->name, m.signal_name, sizeof entry->name));
  PetscCall(PetscStrncpy(entry->dtype, m.dtype, sizeof entry->dtype));
  PetscCall(PetscStrncpy(entry->format, m.format, sizeof entry->format));
  PetscCall(PetscStrncpy(entry->refused, status ? signal_error : "", sizeof entry->refused));
  entry->ny = m.ny, entry->nx = m.nx, entry->frames = m.frames;
  entry->pixel_size_y = m.pixel_size_y, entry->pixel_size_x = m.pixel_size_x;
  entry->voltage_kv = m.voltage_kv, entry->magnification = m.magnification, entry->exposure_s = m.exposure_s;
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_signals(const char *path, MicrographSignal **list, PetscInt *count, PetscInt *chosen)
{
  MicrographSignal first;

  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&first, sizeof first));
  PetscCall(describe_signal(path, 0, &first, count, chosen));
  PetscCall(PetscCalloc1(*count > 0 ? *count : 1, list));
  (*list)[0] = first;
  for (PetscInt k = 1; k < *count; k++) {
    PetscInt again, unused;
    PetscCall(describe_signal(path, k, &(*list)[k], &again, &unused));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode micrograph_signal_choose(const char *path, const char *choice, PetscInt *signal)
{
  MicrographSignal *list;
  PetscInt          count, chosen;
  char              names[1024] = "", *end;

  PetscFunctionBeginUser;
  *signal = MICROGRAPH_DEFAULT_SIGNAL;
  if (!choice || !choice[0]) PetscFunctionReturn(0);
  PetscCall(micrograph_signals(path, &list, &count, &chosen));
  long index = strtol(choice, &end, 10);
  if (!*end && index >= 0 && index < count) *signal = (PetscInt)index;
  for (PetscInt k = 0; *end && k < count && *signal < 0; k++)
    if (list[k].name[0] && !strcasecmp(list[k].name, choice)) *signal = k;
  for (PetscInt k = 0; k < count; k++) {
    size_t used = strlen(names);
    snprintf(names + used, sizeof names - used, "%s%d%s%s%s", k ? ", " : "", (int)k, list[k].name[0] ? " (" : "",
             list[k].name, list[k].name[0] ? ")" : "");
  }
  PetscCall(PetscFree(list));
  PetscCheck(*signal >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "-signal %s: '%s' has no such signal; it holds %s",
             choice, path, names);
  PetscFunctionReturn(0);
}
