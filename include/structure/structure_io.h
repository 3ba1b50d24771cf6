/* structure_io.h — atomic structures to and from files, and pictures of them.
 *
 * Formats:
 *   XYZ           line 1 the atom count, line 2 a comment (provenance), then "Sym x y z" [Å].
 *   extended XYZ  as XYZ, with line 2 holding Lattice="ax ay az bx by bz cx cy cz" (rows =
 *                 lattice vectors), pbc="T T F" and
 *                 Properties=species:S:1:pos:R:3:object_id:I:1:class:I:1:occupancy:R:1:thermal_rms:R:1
 *                 (readable by ASE's ase.io.read); class is 1 particle, 2 support, 3 other.
 *   Prismatic     the Prismatic / computem input: a comment line, the cell line "a b c" [Å],
 *                 then "Z x y z occupancy u_rms" per atom, ended by a line "-1".
 * Files are written to a temporary name in the same folder and renamed into place, so an
 * error never leaves a partial file under the requested name. Readers report errors with
 * the file name and line number; an unknown element is named.
 */
#pragma once
#include <petscsys.h>
#include "core/atom_list.h"

typedef enum {
  STRUCTURE_FORMAT_AUTO = 0, /* from the file name when writing, from the content when reading */
  STRUCTURE_FORMAT_XYZ,
  STRUCTURE_FORMAT_EXTENDED_XYZ,
  STRUCTURE_FORMAT_PRISMATIC
} StructureFormat;

/* "xyz", "extxyz" (or "exyz"), "prismatic"; the error names `option` and the allowed names. */
PetscErrorCode structure_format_from_name(const char *name, const char *option, StructureFormat *format);
const char    *structure_format_name(StructureFormat format);
/* Format from the extension: .xyz → XYZ, .exyz/.extxyz → extended XYZ, .prismatic/.xyzp → Prismatic. */
PetscErrorCode structure_format_from_path(const char *path, StructureFormat *format);

/* Write `atoms` to `path` (STRUCTURE_FORMAT_AUTO: by extension). `comment` (provenance,
 * may be NULL) goes into the comment line with newlines and quotes made safe. */
PetscErrorCode structure_write(const char *path, StructureFormat format, const AtomList *atoms, const char *comment);

/* Read a structure (STRUCTURE_FORMAT_AUTO: XYZ/extended XYZ when line 1 is a count, else
 * Prismatic). Creates *atoms; labels absent from the file are object 0, class OTHER. */
PetscErrorCode structure_read(const char *path, StructureFormat format, AtomList **atoms);

/* structure_picture.c: a PNG with two panels, the structure seen along the beam axis from high z (x–y,
 * left) and from the side (x–z, right), depth-sorted shaded discs coloured by class
 * (particle gold, support grey, other blue). `height` is the panel height in pixels. */
PetscErrorCode structure_write_picture(const char *path, const AtomList *atoms, int height);
