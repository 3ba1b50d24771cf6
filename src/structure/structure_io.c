/* structure_io.c — XYZ, extended XYZ and Prismatic writers and readers (see structure_io.h). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "core/checked_size.h"
#include "core/elements.h"
#include "core/error_check.h"
#include "structure/structure_io.h"

PetscErrorCode structure_format_from_name(const char *name, const char *option, StructureFormat *format)
{
  PetscFunctionBeginUser;
  if (!strcasecmp(name, "xyz"))
    *format = STRUCTURE_FORMAT_XYZ;
  else if (!strcasecmp(name, "extxyz") || !strcasecmp(name, "exyz") || !strcasecmp(name, "extended_xyz"))
    *format = STRUCTURE_FORMAT_EXTENDED_XYZ;
  else if (!strcasecmp(name, "prismatic") || !strcasecmp(name, "computem"))
    *format = STRUCTURE_FORMAT_PRISMATIC;
  else if (!strcasecmp(name, "auto"))
    *format = STRUCTURE_FORMAT_AUTO;
  else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
            "Option %s: unknown structure format '%s'; allowed: auto, xyz, extxyz, prismatic", option, name);
  PetscFunctionReturn(0);
}

const char *structure_format_name(StructureFormat format)
{
  switch (format) {
  case STRUCTURE_FORMAT_XYZ:
    return "xyz";
  case STRUCTURE_FORMAT_EXTENDED_XYZ:
    return "extxyz";
  case STRUCTURE_FORMAT_PRISMATIC:
    return "prismatic";
  default:
    return "auto";
  }
}

static PetscBool ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && !strcasecmp(s + n - m, suffix) ? PETSC_TRUE : PETSC_FALSE;
}

PetscErrorCode structure_format_from_path(const char *path, StructureFormat *format)
{
  PetscFunctionBeginUser;
  if (ends_with(path, ".exyz") || ends_with(path, ".extxyz"))
    *format = STRUCTURE_FORMAT_EXTENDED_XYZ;
  else if (ends_with(path, ".prismatic") || ends_with(path, ".xyzp"))
    *format = STRUCTURE_FORMAT_PRISMATIC;
  else if (ends_with(path, ".xyz"))
    *format = STRUCTURE_FORMAT_XYZ;
  else
    SETERRQ(
      PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "cannot tell the structure format of '%s' from its extension; allowed: .xyz, .exyz, .extxyz, .prismatic (or give -format)",
      path);
  PetscFunctionReturn(0);
}

/* One line of text without newlines; double quotes become single quotes (extended XYZ
 * values are quoted). */
static void safe_comment(const char *comment, char *out, size_t size)
{
  size_t k = 0;
  for (const char *c = comment ? comment : ""; *c && k + 1 < size; c++)
    out[k++] = (*c == '\n' || *c == '\r') ? ' ' : *c == '"' ? '\'' : *c;
  out[k] = 0;
}

static PetscBool has_cell(const AtomList *atoms)
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      if (atoms->cell[i][j] != 0) return PETSC_TRUE;
  return PETSC_FALSE;
}

static PetscErrorCode write_body(FILE *file, StructureFormat format, const AtomList *atoms, const char *comment)
{
  size_t length = comment ? strlen(comment) + 1 : 1;
  char  *text;
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < atoms->n; i++) /* before the allocation, so an error leaks nothing */
    PetscCheck(element_from_z(atoms->atomic_number[i]), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
               "atom %" PetscInt_FMT " has atomic number %d; allowed 1..%d", i, atoms->atomic_number[i], ELEMENT_MAX_Z);
  PetscCall(PetscMalloc1(length, &text));
  safe_comment(comment, text, length);
  if (format == STRUCTURE_FORMAT_XYZ) {
    fprintf(file, "%" PetscInt_FMT "\n%s\n", atoms->n, text);
    for (PetscInt i = 0; i < atoms->n; i++)
      fprintf(file, "%s %.6f %.6f %.6f\n", element_from_z(atoms->atomic_number[i])->symbol, atoms->position[i][0],
              atoms->position[i][1], atoms->position[i][2]);
  } else if (format == STRUCTURE_FORMAT_EXTENDED_XYZ) {
    fprintf(file, "%" PetscInt_FMT "\n", atoms->n);
    if (has_cell(atoms))
      fprintf(file, "Lattice=\"%.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f %.6f\" ", atoms->cell[0][0], atoms->cell[0][1],
              atoms->cell[0][2], atoms->cell[1][0], atoms->cell[1][1], atoms->cell[1][2], atoms->cell[2][0],
              atoms->cell[2][1], atoms->cell[2][2]);
    fprintf(
      file,
      "Properties=species:S:1:pos:R:3:object_id:I:1:class:I:1:occupancy:R:1:thermal_rms:R:1 pbc=\"%c %c %c\" comment=\"%s\"\n",
      has_cell(atoms) && atoms->periodic[0] ? 'T' : 'F', has_cell(atoms) && atoms->periodic[1] ? 'T' : 'F',
      has_cell(atoms) && atoms->periodic[2] ? 'T' : 'F', text);
    for (PetscInt i = 0; i < atoms->n; i++)
      fprintf(file, "%s %.6f %.6f %.6f %d %d %.4f %.5f\n", element_from_z(atoms->atomic_number[i])->symbol,
              atoms->position[i][0], atoms->position[i][1], atoms->position[i][2], atoms->object_id[i],
              (int)atoms->atom_class[i], (double)atoms->occupancy[i], (double)atoms->thermal_rms[i]);
  } else if (format == STRUCTURE_FORMAT_PRISMATIC) {
    double cell[3];
    /* Prismatic wants an orthogonal cell with atoms inside it: use the cell's diagonal, or
     * the bounding box from the origin when no cell is set. */
    if (has_cell(atoms)) {
      for (int d = 0; d < 3; d++) cell[d] = atoms->cell[d][d];
    } else {
      double low[3], high[3];
      if (!atom_list_bounds(atoms, low, high))
        for (int d = 0; d < 3; d++) low[d] = high[d] = 0;
      for (int d = 0; d < 3; d++) cell[d] = PetscMax(high[d], 1.0);
    }
    fprintf(file, "%s\n    %.6f %.6f %.6f\n", text[0] ? text : "nanoforge structure", cell[0], cell[1], cell[2]);
    for (PetscInt i = 0; i < atoms->n; i++)
      fprintf(file, "%d %.6f %.6f %.6f %.4f %.5f\n", atoms->atomic_number[i], atoms->position[i][0],
              atoms->position[i][1], atoms->position[i][2], (double)atoms->occupancy[i], (double)atoms->thermal_rms[i]);
    fprintf(file, "-1\n");
  } else {
    PetscCall(PetscFree(text));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "structure format %d cannot be written", (int)format);
  }
  PetscCall(PetscFree(text));
  PetscFunctionReturn(0);
}

PetscErrorCode structure_write(const char *path, StructureFormat format, const AtomList *atoms, const char *comment)
{
  char temporary[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  if (format == STRUCTURE_FORMAT_AUTO) PetscCall(structure_format_from_path(path, &format));
  PetscCall(PetscSNPrintf(temporary, sizeof temporary, "%s.tmp%d", path, (int)getpid()));
  FILE *file = fopen(temporary, "w");
  PetscCheckPointerErrno(file, "cannot create structure file", temporary);
  PetscErrorCode ierr   = write_body(file, format, atoms, comment);
  int            failed = ferror(file);
  int            closed = fclose(file);
  if (ierr || failed || closed) {
    int saved = errno;
    unlink(temporary);
    PetscCall(ierr);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "cannot write structure file '%s': %s", path, strerror(saved));
  }
  PetscCallErrno(rename(temporary, path), "cannot rename structure file into place", path);
  PetscFunctionReturn(0);
}

/* ---- reading ---- */

typedef struct {
  char   **line; /* lines without their newline */
  PetscInt n;
  char    *text; /* the whole file */
} Lines;

/* The whole file as lines. A structure file is text: a NUL byte (which would end a line the
 * line count did not foresee) is refused, as is a directory or a file of 2 GiB or more (line
 * numbers are PetscInt). */
static PetscErrorCode lines_read(const char *path, Lines *lines)
{
  struct stat status;
  PetscFunctionBeginUser;
  lines->text = NULL, lines->line = NULL, lines->n = 0;
  FILE *file = fopen(path, "rb");
  PetscCheck(file, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "cannot open structure file '%s': %s", path, strerror(errno));
  int regular = fstat(fileno(file), &status) == 0;
  if (!regular || !S_ISREG(status.st_mode)) {
    int is_directory = regular && S_ISDIR(status.st_mode);
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "structure file '%s' is %s", path,
            is_directory ? "a directory" : "not a regular file");
  }
  if (status.st_size >= (off_t)PETSC_MAX_INT) {
    fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "structure file '%s' has %lld bytes; allowed less than 2 GiB",
            path, (long long)status.st_size);
  }
  size_t         size = (size_t)status.st_size;
  PetscErrorCode ierr = checked_malloc(size + 1, 1, "the structure file's text", path, &lines->text);
  if (ierr) fclose(file);
  PetscCall(ierr);
  size_t got = fread(lines->text, 1, size, file);
  fclose(file);
  if (got != size) {
    PetscCall(PetscFree(lines->text));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "cannot read structure file '%s': short read (%zu of %zu bytes)",
            path, got, size);
  }
  lines->text[size] = 0;
  const char *nul   = memchr(lines->text, 0, size);
  if (nul) {
    PetscCall(PetscFree(lines->text));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "structure file '%s' has a NUL byte at offset %lld: not a text file", path, (long long)(nul - lines->text));
  }
  PetscInt count = 1;
  for (size_t i = 0; i < size; i++) count += lines->text[i] == '\n';
  PetscCall(PetscMalloc1(count, &lines->line));
  char *start = lines->text;
  for (size_t i = 0; i <= size; i++) {
    if (lines->text[i] == '\n' || i == size) {
      PetscBool end  = i == size;
      lines->text[i] = 0;
      if (i > 0 && lines->text[i - 1] == '\r') lines->text[i - 1] = 0;
      if (!(end && *start == 0)) lines->line[lines->n++] = start;
      start = lines->text + i + 1;
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode lines_free(Lines *lines)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(lines->line));
  PetscCall(PetscFree(lines->text));
  PetscFunctionReturn(0);
}

/* Splits `line` (modified) into whitespace-separated fields. */
static int split_fields(char *line, char **field, int max_fields)
{
  int n = 0;
  for (char *c = line; *c && n < max_fields;) {
    while (*c && isspace((unsigned char)*c)) c++;
    if (!*c) break;
    field[n++] = c;
    while (*c && !isspace((unsigned char)*c)) c++;
    if (*c) *c++ = 0;
  }
  return n;
}

static PetscErrorCode parse_double(const char *text, const char *path, PetscInt line, const char *what, double *value)
{
  char *end;
  PetscFunctionBeginUser;
  errno  = 0;
  *value = strtod(text, &end);
  PetscCheck(end != text && *end == 0 && errno == 0 && isfinite(*value), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%" PetscInt_FMT ": %s '%s' is not a number", path, line, what, text);
  PetscFunctionReturn(0);
}

static PetscErrorCode parse_int(const char *text, const char *path, PetscInt line, const char *what, long *value)
{
  char *end;
  PetscFunctionBeginUser;
  errno  = 0;
  *value = strtol(text, &end, 10);
  PetscCheck(end != text && *end == 0 && errno == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%" PetscInt_FMT ": %s '%s' is not an integer", path, line, what, text);
  PetscFunctionReturn(0);
}

/* A species field: a symbol ("Au") or an atomic number ("79"). */
static PetscErrorCode parse_species(const char *text, const char *path, PetscInt line, int *z)
{
  char           where[PETSC_MAX_PATH_LEN + 32];
  const Element *element;
  PetscFunctionBeginUser;
  if (isdigit((unsigned char)text[0])) {
    long value;
    PetscCall(parse_int(text, path, line, "atomic number", &value));
    PetscCheck(value >= 1 && value <= ELEMENT_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%" PetscInt_FMT ": atomic number %ld; allowed 1..%d", path, line, value, ELEMENT_MAX_Z);
    *z = (int)value;
  } else {
    PetscCall(PetscSNPrintf(where, sizeof where, "%s:%" PetscInt_FMT, path, line));
    PetscCall(element_from_symbol(text, where, &element));
    *z = element->z;
  }
  PetscFunctionReturn(0);
}

/* Value of key="..." or key=word in an extended XYZ comment line (case-insensitive key). */
static PetscBool extxyz_value(const char *line, const char *key, char *value, size_t size)
{
  size_t klen = strlen(key);
  for (const char *c = line; *c; c++) {
    if ((c == line || isspace((unsigned char)c[-1])) && !strncasecmp(c, key, klen) && c[klen] == '=') {
      const char *v = c + klen + 1;
      size_t      k = 0;
      if (*v == '"') {
        v++;
        while (*v && *v != '"' && k + 1 < size) value[k++] = *v++;
      } else {
        while (*v && !isspace((unsigned char)*v) && k + 1 < size) value[k++] = *v++;
      }
      value[k] = 0;
      return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

#define MAX_FIELDS 64

/* Where each property sits on an atom line, in fields (-1 = absent); plain XYZ is species x y z. */
typedef struct {
  int species, position, object, atom_class, occupancy, rms;
  int n_columns; /* fields an atom line must have */
} XyzColumns;

/* Line 1: the atom count, alone, and no more atoms than the file has lines for. */
static PetscErrorCode xyz_read_count(const char *path, const Lines *lines, long *count)
{
  char first[128], *field[MAX_FIELDS];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(first, lines->line[0], sizeof first));
  int n = split_fields(first, field, MAX_FIELDS);
  PetscCheck(n == 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:1: expected the atom count, found '%s'", path,
             lines->line[0]);
  PetscCall(parse_int(field[0], path, 1, "atom count", count));
  PetscCheck(*count >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:1: negative atom count %ld", path, *count);
  /* Compared without adding to `count`: 2 + LONG_MAX would overflow. */
  PetscCheck(lines->n >= 2 && *count <= lines->n - 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: line 1 announces %ld atoms but the file has only %" PetscInt_FMT " atom lines", path, *count,
             PetscMax(lines->n - 2, 0));
  PetscFunctionReturn(0);
}

/* Lattice="..." and pbc="..." of an extended XYZ comment line. */
static PetscErrorCode xyz_read_cell(const char *path, const char *comment, AtomList *atoms)
{
  char buffer[1024], *field[MAX_FIELDS];
  PetscFunctionBeginUser;
  if (extxyz_value(comment, "Lattice", buffer, sizeof buffer)) {
    int n = split_fields(buffer, field, MAX_FIELDS);
    PetscCheck(n == 9, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:2: Lattice has %d numbers; expected 9 (three lattice vectors as rows)", path, n);
    for (int k = 0; k < 9; k++) PetscCall(parse_double(field[k], path, 2, "Lattice entry", &atoms->cell[k / 3][k % 3]));
    atoms->periodic[0] = atoms->periodic[1] = atoms->periodic[2] = PETSC_TRUE; /* extended XYZ default with a lattice */
  }
  if (extxyz_value(comment, "pbc", buffer, sizeof buffer)) {
    int n = split_fields(buffer, field, MAX_FIELDS);
    PetscCheck(n == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:2: pbc has %d entries; expected 3", path, n);
    for (int d = 0; d < 3; d++)
      atoms->periodic[d] = (field[d][0] == 'T' || field[d][0] == 't' || field[d][0] == '1') ? PETSC_TRUE : PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

/* One name:type:count entry of Properties, starting at field `column`; its count goes to `width`. */
static PetscErrorCode xyz_read_property(const char *path, const char *name, const char *width_text, int column,
                                        XyzColumns *columns, long *width)
{
  char *end;
  PetscFunctionBeginUser;
  long w = strtol(width_text, &end, 10);
  PetscCheck(end != width_text && *end == 0 && w >= 1 && w <= 9, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:2: Properties entry '%s' has count '%s'; allowed 1 to 9", path, name, width_text);
  /* The columns this reader uses have a fixed width: pos 3, the others 1. A pos of width 1
   * once made the reader take y and z from fields the line did not have. */
  int known = !strcasecmp(name, "species") || !strcasecmp(name, "pos") || !strcasecmp(name, "object_id") ||
              !strcasecmp(name, "class") || !strcasecmp(name, "occupancy") || !strcasecmp(name, "thermal_rms");
  long expected = !strcasecmp(name, "pos") ? 3 : 1;
  PetscCheck(!known || w == expected, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:2: Properties entry '%s' has count %ld; allowed %ld", path, name, w, expected);
  if (!strcasecmp(name, "species"))
    columns->species = column;
  else if (!strcasecmp(name, "pos"))
    columns->position = column;
  else if (!strcasecmp(name, "object_id"))
    columns->object = column;
  else if (!strcasecmp(name, "class"))
    columns->atom_class = column;
  else if (!strcasecmp(name, "occupancy"))
    columns->occupancy = column;
  else if (!strcasecmp(name, "thermal_rms"))
    columns->rms = column;
  *width = w;
  PetscFunctionReturn(0);
}

/* Properties="name:type:count:..." of an extended XYZ comment line; without it, plain XYZ columns. */
static PetscErrorCode xyz_read_columns(const char *path, const char *comment, XyzColumns *columns)
{
  char buffer[1024];
  PetscFunctionBeginUser;
  *columns = (XyzColumns){
    .species = 0, .position = 1, .object = -1, .atom_class = -1, .occupancy = -1, .rms = -1, .n_columns = 4};
  if (!extxyz_value(comment, "Properties", buffer, sizeof buffer)) PetscFunctionReturn(0);
  int   column      = 0;
  char *save        = NULL;
  columns->position = -1;
  columns->species  = -1;
  for (char *name = strtok_r(buffer, ":", &save); name; name = strtok_r(NULL, ":", &save)) {
    char *type  = strtok_r(NULL, ":", &save);
    char *width = type ? strtok_r(NULL, ":", &save) : NULL;
    long  w;
    PetscCheck(width, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:2: Properties entry '%s' is not name:type:count",
               path, name);
    PetscCall(xyz_read_property(path, name, width, column, columns, &w));
    column += (int)w;
    PetscCheck(column <= MAX_FIELDS, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:2: Properties describe more than %d columns", path, MAX_FIELDS);
  }
  columns->n_columns = column;
  PetscCheck(columns->species >= 0 && columns->position >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:2: Properties lacks species or pos", path);
  PetscFunctionReturn(0);
}

/* The object id, class, occupancy and thermal rms columns of atom k, where the file has them. */
static PetscErrorCode xyz_read_atom_labels(const char *path, PetscInt line, char **field, const XyzColumns *columns,
                                           PetscInt k, AtomList *atoms)
{
  PetscFunctionBeginUser;
  if (columns->object >= 0) {
    long v;
    PetscCall(parse_int(field[columns->object], path, line, "object_id", &v));
    PetscCheck(v >= INT_MIN && v <= INT_MAX, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%" PetscInt_FMT ": object_id %ld does not fit in 32 bits", path, line, v);
    atoms->object_id[k] = (int)v;
  }
  if (columns->atom_class >= 0) {
    long v;
    PetscCall(parse_int(field[columns->atom_class], path, line, "class", &v));
    PetscCheck(v >= ATOM_CLASS_PARTICLE && v <= ATOM_CLASS_OTHER, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%" PetscInt_FMT ": class %ld; allowed 1 (particle), 2 (support), 3 (other)", path, line, v);
    atoms->atom_class[k] = (unsigned char)v;
  }
  if (columns->occupancy >= 0) {
    double v;
    PetscCall(parse_double(field[columns->occupancy], path, line, "occupancy", &v));
    atoms->occupancy[k] = (float)v;
  }
  if (columns->rms >= 0) {
    double v;
    PetscCall(parse_double(field[columns->rms], path, line, "thermal_rms", &v));
    atoms->thermal_rms[k] = (float)v;
  }
  PetscFunctionReturn(0);
}

/* Atom i (from 0) of `count`, on file line 3 + i, appended to atoms. */
static PetscErrorCode xyz_read_atom(const char *path, Lines *lines, long i, long count, const XyzColumns *columns,
                                    AtomList *atoms)
{
  PetscInt line = 3 + i;
  char    *field[MAX_FIELDS];
  double   r[3];
  int      z;
  PetscFunctionBeginUser;
  int n = split_fields(lines->line[2 + i], field, MAX_FIELDS);
  PetscCheck(n >= columns->n_columns, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%" PetscInt_FMT ": %d fields; expected %d (atom %ld of %ld)", path, line, n, columns->n_columns, i + 1,
             count);
  PetscCall(parse_species(field[columns->species], path, line, &z));
  for (int d = 0; d < 3; d++) PetscCall(parse_double(field[columns->position + d], path, line, "coordinate", &r[d]));
  PetscCall(atom_list_append(atoms, r, z, 0, ATOM_CLASS_OTHER));
  PetscCall(xyz_read_atom_labels(path, line, field, columns, atoms->n - 1, atoms));
  PetscFunctionReturn(0);
}

static PetscErrorCode read_xyz(const char *path, Lines *lines, AtomList *atoms)
{
  long       count = 0; /* set by xyz_read_count; 0 quiets a false may-be-uninitialised warning */
  XyzColumns columns;
  char      *field[MAX_FIELDS];
  PetscFunctionBeginUser;
  PetscCall(xyz_read_count(path, lines, &count));
  PetscCall(xyz_read_cell(path, lines->line[1], atoms));
  PetscCall(xyz_read_columns(path, lines->line[1], &columns));
  PetscCall(atom_list_reserve(atoms, (PetscInt)count));
  for (long i = 0; i < count; i++) PetscCall(xyz_read_atom(path, lines, i, count, &columns, atoms));
  for (PetscInt i = 2 + count; i < lines->n; i++) { /* only blank lines may follow the atoms */
    char copy[64];
    PetscCall(PetscStrncpy(copy, lines->line[i], sizeof copy));
    PetscCheck(split_fields(copy, field, MAX_FIELDS) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%" PetscInt_FMT ": text after the %ld atoms announced on line 1", path, i + 1, count);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode read_prismatic(const char *path, Lines *lines, AtomList *atoms)
{
  char     *field[MAX_FIELDS];
  PetscBool ended = PETSC_FALSE;
  PetscFunctionBeginUser;
  PetscCheck(lines->n >= 2, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: a Prismatic file needs a comment line and a cell line", path);
  int n = split_fields(lines->line[1], field, MAX_FIELDS);
  PetscCheck(n == 3, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:2: expected the cell line 'a b c', found %d fields", path, n);
  for (int d = 0; d < 3; d++) PetscCall(parse_double(field[d], path, 2, "cell length", &atoms->cell[d][d]));
  atoms->periodic[0] = atoms->periodic[1] = PETSC_TRUE;
  atoms->periodic[2]                      = PETSC_FALSE;
  for (PetscInt i = 2; i < lines->n; i++) {
    PetscInt line = i + 1;
    double   r[3], occupancy = 1, rms = 0;
    int      z;
    n = split_fields(lines->line[i], field, MAX_FIELDS);
    if (n == 0) continue;
    if (n == 1 && !strcmp(field[0], "-1")) {
      ended = PETSC_TRUE;
      break;
    }
    PetscCheck(n == 4 || n == 6, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%" PetscInt_FMT ": %d fields; expected 'Z x y z occupancy u_rms'", path, line, n);
    PetscCall(parse_species(field[0], path, line, &z));
    for (int d = 0; d < 3; d++) PetscCall(parse_double(field[1 + d], path, line, "coordinate", &r[d]));
    if (n == 6) {
      PetscCall(parse_double(field[4], path, line, "occupancy", &occupancy));
      PetscCall(parse_double(field[5], path, line, "u_rms", &rms));
      PetscCheck(occupancy > 0 && occupancy <= 1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s:%" PetscInt_FMT ": occupancy %g; allowed (0, 1]", path, line, occupancy);
      PetscCheck(rms >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%" PetscInt_FMT ": u_rms %g; allowed >= 0",
                 path, line, rms);
    }
    PetscCall(atom_list_append(atoms, r, z, 0, ATOM_CLASS_OTHER));
    atoms->occupancy[atoms->n - 1]   = (float)occupancy;
    atoms->thermal_rms[atoms->n - 1] = (float)rms;
  }
  PetscCheck(ended, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: the Prismatic file ends without its terminating line '-1' (truncated?)", path);
  PetscFunctionReturn(0);
}

PetscErrorCode structure_read(const char *path, StructureFormat format, AtomList **out)
{
  Lines     lines;
  AtomList *atoms;
  PetscFunctionBeginUser;
  PetscCall(lines_read(path, &lines));
  if (lines.n == 0) {
    PetscCall(lines_free(&lines));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "structure file '%s' is empty", path);
  }
  if (format == STRUCTURE_FORMAT_AUTO) {
    char  first[128], *field[4];
    char *end;
    PetscCall(PetscStrncpy(first, lines.line[0], sizeof first));
    int n = split_fields(first, field, 4);
    if (n == 1) (void)strtol(field[0], &end, 10);
    format = (n == 1 && *end == 0) ? STRUCTURE_FORMAT_XYZ : STRUCTURE_FORMAT_PRISMATIC;
  }
  PetscCall(atom_list_create(0, &atoms));
  PetscErrorCode ierr =
    format == STRUCTURE_FORMAT_PRISMATIC ? read_prismatic(path, &lines, atoms) : read_xyz(path, &lines, atoms);
  PetscCall(lines_free(&lines));
  if (ierr) PetscCall(atom_list_destroy(&atoms));
  PetscCall(ierr);
  *out = atoms;
  PetscFunctionReturn(0);
}
