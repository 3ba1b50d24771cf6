/* database_reader.h — reading a campaign database: the one reader of the layout that
 * database.h defines, used by training (dataset.c), evaluation and the tests.
 *
 * MPI/HDF5: database_reader_open is collective on its communicator (MPI-IO driver; give
 * PETSC_COMM_SELF for a reader of one rank). Image, mask and column reads are independent:
 * each rank reads its own index range or index list, in any order.
 *
 * Columns are the 1-D numeric datasets of length N in the column group (by default
 * DATABASE_METADATA_GROUP, else the first of a few groups other EMD writers use that has
 * any). Each is listed with its stored type: integer datasets as int64, floating ones as
 * float64. */
#pragma once
#include <stdint.h>
#include <hdf5.h>
#include <petscsys.h>
#include "db/database.h"

/* An open database, for reading. */
typedef struct {
  char                path[PETSC_MAX_PATH_LEN]; /* the file, for messages */
  MPI_Comm            comm;                     /* the ranks that opened it */
  hid_t               file;                     /* HDF5 file (MPI-IO driver) */
  hid_t               images, masks;            /* DATABASE_IMAGES, DATABASE_MASKS */
  PetscInt            count;                    /* images N */
  PetscInt            ny, nx;                   /* image rows, columns */
  PetscInt            n_columns;                /* per-image columns found */
  char              **column_names;             /* [n_columns], sorted by name */
  DatabaseColumnType *column_types;             /* [n_columns] */
  char                column_group[256];        /* where the columns were found ("" = none) */
  double              pixel_size;               /* Å per pixel: the images' dim3 (x) step when its
                                                   units are Å or nm (0: unknown) */
} DatabaseReader;

/* Collective. column_group NULL or "" = the default groups. Errors name the file: not HDF5,
 * missing images or masks, masks of another shape, non-3-D data, no images. */
PetscErrorCode database_reader_open(MPI_Comm comm, const char *path, const char *column_group, DatabaseReader **reader);
/* Serial: whether the HDF5 file at `path` has the database's images group (a nanoforge
 * database, as against another labelled set); false for a file HDF5 cannot open. */
PetscErrorCode database_is_database(const char *path, PetscBool *is_database);
/* Collective: closes the file and frees the reader, NULLing the caller's pointer. */
PetscErrorCode database_reader_close(DatabaseReader **reader);
/* The index of column `name`, or -1 when the database has none. */
PetscInt database_reader_column_index(const DatabaseReader *reader, const char *name);
/* Values first .. first+n-1 of column `name`, as `type` (int64_t or double). A missing column
 * is an error naming it and listing the columns; so is asking a float64 column for int64
 * (an int64 column may be read as float64). Independent. */
PetscErrorCode database_reader_read_column(const DatabaseReader *reader, const char *name, DatabaseColumnType type,
                                           PetscInt first, PetscInt n, void *values);
/* Images first .. first+n-1 into images [n][ny][nx] and (when masks is non-NULL) their masks
 * as 0/1 into masks [n][ny][nx]. Independent. */
PetscErrorCode database_reader_read_range(DatabaseReader *reader, PetscInt first, PetscInt n, float *images,
                                          uint8_t *masks);
/* The images of `indices` (n of them, any order), as database_reader_read_range. Independent. */
PetscErrorCode database_reader_read_indices(DatabaseReader *reader, const PetscInt *indices, PetscInt n, float *images,
                                            uint8_t *masks);
