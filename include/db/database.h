/* database.h — the campaign database: one HDF5 file in EMD v0.2 layout, written by
 * every rank through MPI-IO.  (MPI and HDF5 live in this module.)
 *
 *   /                      attrs version_major=0, version_minor=2, nanoforge provenance,
 *                          plan_hash, plan_options, seed, n_structures, n_conditions,
 *                          run_id (16 hex digits, the same random id as the journal's header)
 *   /data/images           emd_group_type=1
 *       data   [N][ny][nx] float32, one chunk per image
 *       dim1   [N]  image index        name "image_index", units "[index]"
 *       dim2   [ny] y                  name "y",  units "[Å]" (pixel centres)
 *       dim3   [nx] x                  name "x",  units "[Å]"
 *   /data/masks            emd_group_type=1, data [N][ny][nx] uint8 (1 = particle), dim1..3 as above
 *   /metadata/<column>     [N] float64: one per sampled parameter (structure columns
 *                          repeated for each of a structure's images, then imaging
 *                          columns), plus structure_id, condition_index, image_seed (int64)
 *   /metadata/structures/<column>  [N_structures] float64: per-structure columns
 *   /data/atoms (optional, -save_atoms): every structure's atoms, ragged:
 *       offsets [N_structures + 1] int64 (atoms of structure s: rows offsets[s]..offsets[s+1]-1),
 *       positions [total][3] float32 [Å], atomic_number [total] uint8, atom_class [total] uint8
 *   /data/exit_waves (optional, -save_exit_waves): every structure's exit waves on its simulation
 *       grid (the same for all units), one per frozen-phonon configuration:
 *       data [N_structures][K][grid_ny][grid_nx][2] float32 (real, imaginary; unit incident wave),
 *       one chunk per wave; attributes sampling_y, sampling_x [Å]
 *
 * Every dataset is created collectively at full size before any work, with early
 * allocation and no fill, so afterwards no metadata changes: workers write raw
 * hyperslabs independently (H5FD_MPIO_INDEPENDENT) in any order, and a crash never
 * leaves the HDF5 structure half-written. Which rows hold finished data is recorded by
 * the journal (journal.h), not by the file.
 */
#pragma once
#include <stdint.h>
#include <hdf5.h>
#include <petscsys.h>
#include "db/journal.h"
#include "plan/plan.h"
#include "core/provenance.h"

/* ---- The layout's names and types, spelled here and nowhere else (src/db owns the layout in
 * both directions: database.c writes it, database_reader.c reads it; docs/database.md). ---- */
#define DATABASE_DATA_GROUP       "/data"
#define DATABASE_IMAGES_GROUP     "/data/images"
#define DATABASE_MASKS_GROUP      "/data/masks"
#define DATABASE_IMAGES           "/data/images/data"    /* [N][ny][nx] float32 */
#define DATABASE_MASKS            "/data/masks/data"     /* [N][ny][nx] uint8, 1 = particle */
#define DATABASE_METADATA_GROUP   "/metadata"            /* per-image columns [N] */
#define DATABASE_STRUCTURES_GROUP "/metadata/structures" /* per-structure columns [N_structures] float64 */
#define DATABASE_STRUCTURE_ID     "structure_id"         /* the grouping column of the train/validation split */
#define DATABASE_CONDITION_INDEX  "condition_index"
#define DATABASE_IMAGE_SEED       "image_seed"
/* EMD version attributes (version_major, version_minor), 32-bit little-endian integers in
 * every file db writes (database and single-simulation EMD files). */
#define DATABASE_EMD_VERSION_MAJOR 0
#define DATABASE_EMD_VERSION_MINOR 2

/* How a column is stored: the id columns are int64, sampled parameters float64. */
typedef enum { DATABASE_INT64 = 0, DATABASE_FLOAT64 = 1 } DatabaseColumnType;
extern const char *const database_column_type_names[]; /* "int64", "float64" */
/* A fixed column of every database: its name, its type and what it means. */
typedef struct {
  const char        *name;
  DatabaseColumnType type;
  const char        *meaning;
} DatabaseColumn;
#define DATABASE_ID_COLUMNS 3
extern const DatabaseColumn database_id_columns[DATABASE_ID_COLUMNS]; /* structure_id, condition_index, image_seed */

/* Writes the EMD version attributes on `file` (the one spelling of their names and types). */
PetscErrorCode database_write_emd_version(hid_t file, const char *path);
/* Serial, for test databases that must lack a part: unlinks `name` (e.g. DATABASE_MASKS_GROUP,
 * or DATABASE_METADATA_GROUP "/" DATABASE_STRUCTURE_ID) from the file at `path`. */
PetscErrorCode database_remove_part(const char *path, const char *name);

#define DATABASE_MAX_COLUMNS 128
#define DATABASE_NAME_LEN    64

/* What a database holds: sizes and the names of its numeric columns. */
typedef struct {
  PetscInt n_structures; /* N_s, rows of the per-structure columns */
  PetscInt n_conditions; /* images per structure */
  PetscInt ny, nx;       /* image size in pixels */
  double   pixel_size;   /* Å per pixel, for dim2/dim3 (<= 0: unknown, dims in pixels) */
  int      n_structure_columns;
  char     structure_columns[DATABASE_MAX_COLUMNS][DATABASE_NAME_LEN]; /* e.g. "radius" */
  int      n_image_columns;
  char     image_columns[DATABASE_MAX_COLUMNS][DATABASE_NAME_LEN]; /* e.g. "defocus", "dose" */
  int64_t *atom_offsets;               /* [n_structures + 1] when each structure's atoms are stored, else NULL
                              (owned by the caller) */
  PetscInt exit_wave_count;            /* K waves per structure when exit waves are stored, else 0 */
  PetscInt exit_wave_ny, exit_wave_nx; /* the simulation grid */
  double   exit_wave_sampling[2];      /* y, x [Å] */
  uint64_t run_id;                     /* the journal's random run id, stored as attribute run_id and checked
                                        on open (0: none, as with journals of older versions) */
} DatabaseLayout;

/* An open database. */
typedef struct {
  MPI_Comm       comm; /* every rank that opened it (HDF5 collective calls) */
  char           path[PETSC_MAX_PATH_LEN];
  DatabaseLayout layout;
  PetscInt       n_images; /* n_structures · n_conditions */
  hid_t          file;
  hid_t          images, masks;                              /* /data/{images,masks}/data */
  hid_t          structure_id, condition_index, image_seed;  /* per-image id columns */
  hid_t          image_columns[2 * DATABASE_MAX_COLUMNS];    /* per-image: structure cols then imaging cols */
  hid_t          structure_columns[DATABASE_MAX_COLUMNS];    /* per-structure */
  hid_t          atom_positions, atom_numbers, atom_classes; /* /data/atoms/... (-1: not stored) */
  hid_t          exit_waves;                                 /* /data/exit_waves/data (-1: not stored) */
  hid_t          independent;                                /* dataset transfer list: MPI-IO independent */
  PetscInt64     seed;                                       /* the plan's seed, recorded per image */
  int            sync_fd; /* POSIX descriptor of the file, for fsync after writes (-1: none) */
} Database;

/* One finished work unit, as the worker hands it to the database. */
typedef struct {
  PetscInt       unit;             /* structure id */
  const float   *images;           /* [n_conditions][ny][nx] */
  const uint8_t *masks;            /* [n_conditions][ny][nx] */
  const double  *structure_values; /* [n_structure_columns] */
  const double  *image_values;     /* [n_conditions][n_image_columns] */
  PetscInt64     n_atoms;          /* atoms of the structure (when the layout stores atoms) */
  const float   *atom_positions;   /* [n_atoms][3] */
  const uint8_t *atom_numbers;     /* [n_atoms] */
  const uint8_t *atom_classes;     /* [n_atoms] */
  const float   *exit_waves;       /* [K][grid_ny][grid_nx][2] when the layout stores exit waves */
} DatabaseUnit;

/* Collective. Create (truncate) the file with every dataset at full size. The layout's
 * counts must match the plan's. An unwritable folder or a full disk is a clear error. */
PetscErrorCode database_create(MPI_Comm comm, const char *path, const DatabaseLayout *layout, const Plan *plan,
                               const Provenance *provenance, Database **database);
/* Collective. Open an existing database for more writes; its shape, columns, plan
 * hash and run id (when the layout has one) must match (else an error naming what differs). */
PetscErrorCode database_open(MPI_Comm comm, const char *path, const DatabaseLayout *layout, const Plan *plan,
                             Database **database);
/* Independent: write one unit's images, masks and columns. With `sync`, the bytes are
 * on stable storage when it returns (fsync of the file through a POSIX descriptor). */
PetscErrorCode database_write_unit(Database *database, const DatabaseUnit *unit, PetscBool sync);
/* Collective: close every object and the file, freeing the handle. */
PetscErrorCode database_close(Database **database);

/* Serial reading for tests and tools (one process, through database_reader.h on
 * PETSC_COMM_SELF): image i and, when mask is non-NULL, its mask as 0/1. */
PetscErrorCode database_read_image(const char *path, PetscInt index, PetscInt ny, PetscInt nx, float *image,
                                   uint8_t *mask);

/* FNV-1a 64 of a unit's images then masks, byte by byte as they are stored (float32 and
 * uint8, little-endian): the data checksum that the journal keeps for each finished unit. */
uint64_t database_unit_checksum(const float *images, const uint8_t *masks, size_t pixels);

/* What an existing file at a campaign's -o is: not there, not a nanoforge campaign database
 * (not HDF5, or no plan_hash attribute), or a database whose plan hash is `plan_hash`. */
typedef enum { DATABASE_FILE_ABSENT, DATABASE_FILE_FOREIGN, DATABASE_FILE_CAMPAIGN } DatabaseFileKind;
/* Serial (any one process). `plan_hash` (17 characters) is filled for DATABASE_FILE_CAMPAIGN. */
PetscErrorCode database_file_kind(const char *path, DatabaseFileKind *kind, char plan_hash[17]);

/* Serial (any one process, no MPI-IO): re-read every unit that `journal` lists as finished
 * with a data checksum and compare. `damaged` [journal->n_units] is set for units whose
 * images or masks differ; *n_damaged counts them. A database whose run_id differs from the
 * journal's is an error naming both files (the journal belongs to another run). */
PetscErrorCode database_verify(const char *path, const Journal *journal, PetscBool *damaged, PetscInt *n_damaged);
