/* micrograph.h — reading one image (a real micrograph or a labelled mask) from the formats
 * microscopists have: TIFF (libtiff: 8/16/32-bit integer or float, grey or RGB), PNG (libpng:
 * 8/16-bit grey or colour), HDF5 (Berkeley EMD v0.2: the first emd_group_type=1 group's
 * `data`; Velox EMD: /Data/Image/<uuid>/Data; a nanoforge database; a file with an `images`
 * dataset), FEI/TIA SER (2-D elements), Gatan DM3/DM4 (the first non-thumbnail image).
 * The format is recognised from the file's first bytes, not its name. Stacks give the
 * image `index` (0 = first). Colour is converted to luminance.
 *
 * Signals: a file may hold several (Velox: the /Data/Spectrum groups, then the /Data/Image
 * groups, each in group-name order, named by their detector; TIA .emi: <stem>_1.ser, _2.ser,
 * ...; DM: the ImageList entries after the thumbnail). The default signal is the micrograph a
 * user means: Velox's HAADF image, else its first real-valued image; the first otherwise. */
#pragma once
#include <petscsys.h>

/* One 2-D image in floats. */
typedef struct {
  PetscInt ny, nx;          /* rows, columns */
  float   *pixels;          /* [ny][nx], rows top to bottom */
  double   pixel_size;      /* Å per pixel along x (columns), from the file's calibration (<= 0: unknown) */
  double   pixel_size_y;    /* Å per pixel along y (rows), which some instruments calibrate apart (<= 0: unknown) */
  double   pixel_size_x;    /* Å per pixel along x (columns); pixel_size repeats it for older callers */
  PetscInt frames;          /* images in the file's stack (1 for a single image) */
  char     format[32];      /* "tiff", "png", "emd", "velox-emd", "hdf5", "ser", "dm3", "dm4" */
  PetscInt signal;          /* which of the file's signals this is (0 = first) */
  PetscInt signals;         /* signals in the file (1 for most formats) */
  PetscInt default_signal;  /* the signal micrograph_read returns */
  char     signal_name[64]; /* detector or image name ("HAADF", "_2.ser"); "" when the file names none */
  char     dtype[16];       /* stored sample type: "uint16", "int8", "float32", "complex64", ... */
  double   voltage_kv;      /* instrument metadata where the file keeps it (0: absent): kV, */
  double   magnification;   /* nominal magnification, */
  double   exposure_s;      /* exposure (DM) or dwell time per pixel (Velox) in s */
} Micrograph;

/* What micrograph_signals reports of one signal, read or refused. */
typedef struct {
  char     name[64];   /* as signal_name above */
  char     format[32]; /* as in Micrograph: the file\'s format */
  PetscInt ny, nx, frames;
  char     dtype[16];
  double   pixel_size_y, pixel_size_x;            /* Å per pixel (<= 0: unknown) */
  char     refused[512];                          /* why it is not an image ("" for images) */
  double   voltage_kv, magnification, exposure_s; /* as in Micrograph (0: absent) */
} MicrographSignal;

#define MICROGRAPH_DEFAULT_SIGNAL (-1)

/* "uint16", "int8", "float32", ... into dtype (used by the format readers). */
void micrograph_dtype_name(int is_float, int is_signed, int bits, char dtype[16]);

PetscErrorCode micrograph_read(const char *path, PetscInt index, Micrograph **micrograph);
/* Image `index` of signal `signal` (MICROGRAPH_DEFAULT_SIGNAL: the file's default). */
PetscErrorCode micrograph_read_signal(const char *path, PetscInt signal, PetscInt index, Micrograph **micrograph);
/* Every signal of the file, each read once (the pixels are not kept); *chosen = the default. */
PetscErrorCode micrograph_signals(const char *path, MicrographSignal **list, PetscInt *count, PetscInt *chosen);
/* The signal `choice` names: an index, a signal name (first match, case-insensitive), or ""
 * for the default. A bad choice is refused in one line listing the file's signals. */
PetscErrorCode micrograph_signal_choose(const char *path, const char *choice, PetscInt *signal);
PetscErrorCode micrograph_destroy(Micrograph **micrograph);
