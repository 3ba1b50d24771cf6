/* cif.c — a CIF 1.1 reader for crystal structures (crystal_create_from_cif in crystal.h).
 *
 * Reads one data block (the first, or the one named: data_NAME, matched without regard to
 * case as CIF names are; an unknown name is an error listing the file's blocks):
 * _cell_length_a/b/c, _cell_angle_alpha/beta/gamma, the symmetry operations
 * (_symmetry_equiv_pos_as_xyz or _space_group_symop_operation_xyz, looped or single), and the _atom_site_ loop (type_symbol or label, fract_x/y/z, occupancy).
 * Numbers may carry standard uncertainties ("4.0782(3)"). Sites are expanded by the operations;
 * copies of a site closer than 0.01 Å are merged. Every error names the file and line. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "core/checked_size.h"
#include "structure/crystal.h"
#include "core/elements.h"
#include "core/error_check.h"

/* Bounds on what a CIF may ask for: 192 operations is the largest space group (Fm-3m in its
 * conventional cell); 100000 positions keep the quadratic duplicate search to seconds. */
#define CIF_MAX_OPERATIONS 192
#define CIF_MAX_POSITIONS  100000

typedef struct {
  char *text; /* NUL-terminated token */
  int   line;
} Token;

typedef struct {
  const char *filename;
  char       *buffer;
  Token      *token;
  PetscInt    ntokens, capacity;
} CifFile;

static PetscErrorCode push_token(CifFile *cif, char *text, int line)
{
  PetscFunctionBeginUser;
  if (cif->ntokens == cif->capacity) {
    Token *grown;
    cif->capacity = cif->capacity ? 2 * cif->capacity : 1024;
    PetscCall(PetscMalloc1(cif->capacity, &grown));
    if (cif->ntokens) PetscCall(PetscArraycpy(grown, cif->token, cif->ntokens));
    PetscCall(PetscFree(cif->token));
    cif->token = grown;
  }
  cif->token[cif->ntokens].text = text;
  cif->token[cif->ntokens].line = line;
  cif->ntokens++;
  PetscFunctionReturn(0);
}

/* Split the file into tokens in place: whitespace-separated words, '...' and "..." strings
 * (closed by a quote followed by whitespace), ;-delimited text fields; # comments dropped. */
static PetscErrorCode tokenize(CifFile *cif)
{
  char *p    = cif->buffer;
  int   line = 1;
  PetscFunctionBeginUser;
  while (*p) {
    if (*p == '\n') {
      line++;
      p++;
      continue;
    }
    if (isspace((unsigned char)*p)) {
      p++;
      continue;
    }
    if (*p == '#') {
      while (*p && *p != '\n') p++;
      continue;
    }
    if (*p == ';' && (p == cif->buffer || p[-1] == '\n')) {
      int   start = line;
      char *text  = ++p;
      for (;;) {
        PetscCheck(*p, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: text field opened with ';' is never closed",
                   cif->filename, start);
        if (*p == '\n') {
          line++;
          if (p[1] == ';') {
            *p = 0;
            p += 2;
            break;
          }
        }
        p++;
      }
      PetscCall(push_token(cif, text, start));
      continue;
    }
    if (*p == '\'' || *p == '"') {
      char  quote = *p;
      char *text  = ++p;
      while (*p && *p != '\n' && !(*p == quote && (p[1] == 0 || isspace((unsigned char)p[1])))) p++;
      PetscCheck(*p == quote, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: unterminated quoted string",
                 cif->filename, line);
      *p++ = 0;
      PetscCall(push_token(cif, text, line));
      continue;
    }
    char *text = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (*p) {
      if (*p == '\n') {
        *p = 0;
        PetscCall(push_token(cif, text, line));
        line++;
        p++;
        continue;
      }
      *p++ = 0;
    }
    PetscCall(push_token(cif, text, line));
  }
  PetscFunctionReturn(0);
}

static PetscBool is_tag(const char *t) { return t[0] == '_'; }
static PetscBool is_keyword(const char *t)
{
  return !strncasecmp(t, "loop_", 5) || !strncasecmp(t, "data_", 5) || !strncasecmp(t, "save_", 5) ||
         !strncasecmp(t, "global_", 7) || !strncasecmp(t, "stop_", 5);
}

/* A CIF number: "4.0782", "4.0782(3)", "-0.25"; '?' and '.' are missing (*present = false). */
static PetscErrorCode parse_number(const CifFile *cif, const Token *t, const char *what, double *value,
                                   PetscBool *present)
{
  PetscFunctionBeginUser;
  if (!strcmp(t->text, "?") || !strcmp(t->text, ".")) {
    PetscCheck(present, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: %s is missing ('%s')", cif->filename,
               t->line, what, t->text);
    *present = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  char *end;
  errno  = 0;
  *value = strtod(t->text, &end);
  if (end != t->text && *end == '(') {
    char *close = strchr(end, ')');
    if (close && close[1] == 0) {
      PetscBool digits = PETSC_TRUE;
      for (char *q = end + 1; q < close; q++) digits = digits && isdigit((unsigned char)*q);
      if (digits && close > end + 1) end = close + 1;
    }
  }
  PetscCheck(end != t->text && *end == 0 && isfinite(*value), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%d: %s '%s' is not a number", cif->filename, t->line, what, t->text);
  if (present) *present = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* One coordinate expression of a symmetry operation, e.g. "-x+1/2", "x-y", "1/4+z". */
static PetscErrorCode parse_component(const CifFile *cif, const Token *t, const char *s, size_t n, int row[3],
                                      double *shift)
{
  PetscFunctionBeginUser;
  row[0] = row[1] = row[2] = 0;
  *shift                   = 0;
  size_t    i              = 0;
  PetscBool any            = PETSC_FALSE;
  while (i < n) {
    while (i < n && s[i] == ' ') i++;
    if (i >= n) break;
    double sign = 1;
    if (s[i] == '+' || s[i] == '-') {
      sign = s[i] == '-' ? -1 : 1;
      i++;
    }
    while (i < n && s[i] == ' ') i++;
    double    number     = 1;
    PetscBool has_number = PETSC_FALSE;
    if (i < n && (isdigit((unsigned char)s[i]) || s[i] == '.')) {
      char   buffer[32];
      size_t k = 0;
      while (i < n && k < 31 && (isdigit((unsigned char)s[i]) || s[i] == '.')) buffer[k++] = s[i++];
      buffer[k] = 0;
      number    = atof(buffer);
      if (i < n && s[i] == '/') {
        i++;
        k = 0;
        while (i < n && k < 31 && isdigit((unsigned char)s[i])) buffer[k++] = s[i++];
        buffer[k]  = 0;
        double den = atof(buffer);
        PetscCheck(k > 0 && den != 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                   "%s:%d: bad fraction in symmetry operation '%s'", cif->filename, t->line, t->text);
        number /= den;
      }
      has_number = PETSC_TRUE;
      if (i < n && s[i] == '*') i++;
    }
    if (i < n && strchr("xyzXYZ", s[i])) {
      int axis = tolower((unsigned char)s[i]) - 'x';
      PetscCheck(number == 1 || number == 2 || number == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s:%d: coefficient %g in symmetry operation '%s'", cif->filename, t->line, number, t->text);
      row[axis] += (int)(sign * number);
      i++;
    } else {
      PetscCheck(has_number, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
                 "%s:%d: cannot read symmetry operation '%s' (expected terms like -x+1/2)", cif->filename, t->line,
                 t->text);
      *shift += sign * number;
    }
    any = PETSC_TRUE;
  }
  PetscCheck(any, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: empty component in symmetry operation '%s'",
             cif->filename, t->line, t->text);
  PetscFunctionReturn(0);
}

typedef struct {
  int    W[3][3];
  double t[3];
} SymmetryOperation;

static PetscErrorCode parse_operation(const CifFile *cif, const Token *t, SymmetryOperation *op)
{
  PetscFunctionBeginUser;
  const char *s = t->text;
  for (int c = 0; c < 3; c++) {
    const char *comma = strchr(s, ',');
    PetscCheck((c < 2) == (comma != NULL), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%d: symmetry operation '%s' must have three comma-separated parts", cif->filename, t->line, t->text);
    size_t n = comma ? (size_t)(comma - s) : strlen(s);
    PetscCall(parse_component(cif, t, s, n, op->W[c], &op->t[c]));
    s = comma ? comma + 1 : s + n;
  }
  int det = op->W[0][0] * (op->W[1][1] * op->W[2][2] - op->W[1][2] * op->W[2][1]) -
            op->W[0][1] * (op->W[1][0] * op->W[2][2] - op->W[1][2] * op->W[2][0]) +
            op->W[0][2] * (op->W[1][0] * op->W[2][1] - op->W[1][1] * op->W[2][0]);
  PetscCheck(det == 1 || det == -1, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%d: symmetry operation '%s' is not a crystallographic operation (determinant %d)", cif->filename,
             t->line, t->text, det);
  PetscFunctionReturn(0);
}

/* Element from a type symbol ("Na1+", "O2-") or label ("Cl1", "CL2A"). */
static PetscErrorCode site_element(const CifFile *cif, const Token *t, int *z)
{
  char           symbol[3] = {0, 0, 0}, where[PETSC_MAX_PATH_LEN + 32];
  const Element *el        = NULL;
  PetscFunctionBeginUser;
  PetscCall(PetscSNPrintf(where, sizeof where, "%s:%d", cif->filename, t->line));
  PetscCheck(isalpha((unsigned char)t->text[0]), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: atom type '%s' does not start with an element symbol", where, t->text);
  symbol[0] = t->text[0];
  if (isalpha((unsigned char)t->text[1])) {
    symbol[1] = t->text[1];
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    PetscErrorCode ierr = element_from_symbol(symbol, where, &el);
    PetscCall(PetscPopErrorHandler());
    if (ierr) el = NULL;
    symbol[1] = 0;
  }
  if (!el) PetscCall(element_from_symbol(symbol, where, &el));
  *z = el->z;
  PetscFunctionReturn(0);
}

/* Everything the reader allocates, freed by crystal_create_from_cif whether or not reading failed,
 * and what the data block gave (cell, sites) on its way to the crystal. */
typedef struct {
  CifFile            file;
  FILE              *handle;
  SymmetryOperation *ops;
  PetscInt           nops;
  PetscBool          ops_from_file; /* the file listed its operations */
  CrystalSite       *sites, *expanded;
  int               *site_line, *expanded_line;
  PetscInt           nsites;
  double             cell[6];      /* a, b, c [Å], alpha, beta, gamma [degrees] */
  PetscBool          have_cell[6]; /* which of them the block gave */
  Crystal           *trial;
} CifReader;

static const char *const cell_tags[6] = {"_cell_length_a",    "_cell_length_b",   "_cell_length_c",
                                         "_cell_angle_alpha", "_cell_angle_beta", "_cell_angle_gamma"};

/* Columns of one loop_ that the reader uses; -1 where the loop lacks the tag. */
typedef struct {
  PetscInt op, x, y, z, type, label, occupancy;
} LoopColumns;

/* The tokens [*begin, *end) of the data block `block` (NULL or "": the first one; a file
 * without data_ headers is one block). An unknown name is a user error that lists the blocks. */
static PetscErrorCode find_block(const CifFile *cif, const char *block, PetscInt *begin, PetscInt *end)
{
  PetscInt found = -1;
  PetscFunctionBeginUser;
  for (PetscInt i = 0; i < cif->ntokens && found < 0; i++)
    if (!strncasecmp(cif->token[i].text, "data_", 5) &&
        (!block || !block[0] || !strcasecmp(cif->token[i].text + 5, block)))
      found = i;
  if (found < 0 && (!block || !block[0])) { /* no data_ header at all: the whole file */
    *begin = 0;
    *end   = cif->ntokens;
    PetscFunctionReturn(0);
  }
  if (found < 0) {
    char     names[1024] = "";
    size_t   used        = 0;
    PetscInt nblocks     = 0;
    for (PetscInt i = 0; i < cif->ntokens; i++) {
      if (strncasecmp(cif->token[i].text, "data_", 5)) continue;
      int written = snprintf(names + used, sizeof names - used, "%s%s", nblocks ? ", " : "", cif->token[i].text + 5);
      nblocks++;
      if (written < 0 || (size_t)written >= sizeof names - used) { /* keep the list readable */
        used = strlen(names);
        if (used > sizeof names - 8) used = sizeof names - 8;
        snprintf(names + used, sizeof names - used, ", ...");
        break;
      }
      used += (size_t)written;
    }
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "CIF file '%s' has no data block '%s' (-cif_block); allowed: %s",
            cif->filename, block, nblocks ? names : "none (the file has no data_ header; leave -cif_block out)");
  }
  *begin = found + 1;
  for (*end = *begin; *end < cif->ntokens && strncasecmp(cif->token[*end].text, "data_", 5); (*end)++) {}
  PetscFunctionReturn(0);
}

/* The whole file into rd->file.buffer (a regular file under 1 GiB), then tokenized. */
static PetscErrorCode load_tokens(const char *filename, CifReader *rd)
{
  PetscFunctionBeginUser;
  struct stat status;
  rd->handle = fopen(filename, "rb");
  PetscCheckPointerErrno(rd->handle, "open CIF file", filename);
  PetscCheck(fstat(fileno(rd->handle), &status) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ,
             "cannot read CIF file '%s': %s", filename, strerror(errno));
  PetscCheck(S_ISREG(status.st_mode), PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "CIF file '%s' is %s", filename,
             S_ISDIR(status.st_mode) ? "a directory" : "not a regular file");
  long size = (long)status.st_size;
  PetscCheck(size >= 0 && size < (1L << 30), PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "CIF file '%s' has %ld bytes; allowed less than 1 GiB", filename, size);
  PetscCall(checked_malloc((size_t)size + 1, 1, "the CIF file's text", filename, &rd->file.buffer));
  size_t got = fread(rd->file.buffer, 1, (size_t)size, rd->handle);
  fclose(rd->handle);
  rd->handle = NULL;
  PetscCheck(got == (size_t)size, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "CIF file '%s': read %zu of %ld bytes",
             filename, got, size);
  rd->file.buffer[size] = 0;
  PetscCall(tokenize(&rd->file));
  PetscFunctionReturn(0);
}

static LoopColumns loop_columns(const CifReader *rd, PetscInt first, PetscInt ntags)
{
  LoopColumns col = {-1, -1, -1, -1, -1, -1, -1};
  for (PetscInt c = 0; c < ntags; c++) {
    const char *tag = rd->file.token[first + c].text;
    if (!strcasecmp(tag, "_symmetry_equiv_pos_as_xyz") || !strcasecmp(tag, "_space_group_symop_operation_xyz") ||
        !strcasecmp(tag, "_space_group_symop.operation_xyz"))
      col.op = c;
    if (!strcasecmp(tag, "_atom_site_fract_x")) col.x = c;
    if (!strcasecmp(tag, "_atom_site_fract_y")) col.y = c;
    if (!strcasecmp(tag, "_atom_site_fract_z")) col.z = c;
    if (!strcasecmp(tag, "_atom_site_type_symbol")) col.type = c;
    if (!strcasecmp(tag, "_atom_site_label")) col.label = c;
    if (!strcasecmp(tag, "_atom_site_occupancy")) col.occupancy = c;
  }
  return col;
}

/* The atom_site loop's rows (values from token `values`, `ntags` per row) into rd->sites. */
static PetscErrorCode read_sites(CifReader *rd, const Token *t, PetscInt values, PetscInt ntags, PetscInt rows,
                                 LoopColumns col)
{
  const char *filename = rd->file.filename;
  PetscFunctionBeginUser;
  PetscCheck(col.x >= 0 && col.y >= 0 && col.z >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%d: atom_site loop lacks one of _atom_site_fract_x/y/z", filename, t->line);
  PetscCheck(col.type >= 0 || col.label >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%d: atom_site loop has neither _atom_site_type_symbol nor _atom_site_label", filename, t->line);
  PetscCheck(!rd->sites, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: a second atom_site loop", filename,
             t->line);
  PetscCall(PetscMalloc2(rows, &rd->sites, rows, &rd->site_line));
  for (PetscInt r = 0; r < rows; r++) {
    Token    *row = &rd->file.token[values + r * ntags];
    PetscBool present;
    PetscCall(site_element(&rd->file, &row[col.type >= 0 ? col.type : col.label], &rd->sites[r].atomic_number));
    PetscCall(parse_number(&rd->file, &row[col.x], "_atom_site_fract_x", &rd->sites[r].fractional[0], NULL));
    PetscCall(parse_number(&rd->file, &row[col.y], "_atom_site_fract_y", &rd->sites[r].fractional[1], NULL));
    PetscCall(parse_number(&rd->file, &row[col.z], "_atom_site_fract_z", &rd->sites[r].fractional[2], NULL));
    rd->sites[r].occupancy = 1;
    if (col.occupancy >= 0) {
      PetscCall(
        parse_number(&rd->file, &row[col.occupancy], "_atom_site_occupancy", &rd->sites[r].occupancy, &present));
      if (!present) rd->sites[r].occupancy = 1;
      PetscCheck(rd->sites[r].occupancy > 0 && rd->sites[r].occupancy <= 1 + 1e-6, PETSC_COMM_SELF,
                 PETSC_ERR_FILE_UNEXPECTED, "%s:%d: occupancy %g; allowed (0, 1]", filename, row[col.occupancy].line,
                 rd->sites[r].occupancy);
    }
    rd->site_line[r] = row[0].line;
    rd->nsites++;
  }
  PetscFunctionReturn(0);
}

/* The loop_ at token *i: its operations (the first such loop only) and atom sites; *i moves
 * past the loop's values. */
static PetscErrorCode read_loop(CifReader *rd, PetscInt end, PetscInt *i)
{
  const Token *t = &rd->file.token[*i];
  PetscFunctionBeginUser;
  PetscInt first = ++*i;
  while (*i < end && is_tag(rd->file.token[*i].text)) ++*i;
  PetscInt ntags = *i - first, values = *i;
  PetscCheck(ntags > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: loop_ without tags", rd->file.filename,
             t->line);
  while (*i < end && !is_tag(rd->file.token[*i].text) && !is_keyword(rd->file.token[*i].text)) ++*i;
  PetscInt nvalues = *i - values;
  PetscCheck(nvalues % ntags == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s:%d: loop with %" PetscInt_FMT " tags has %" PetscInt_FMT
             " values, not a multiple (a missing or extra value in a row)",
             rd->file.filename, t->line, ntags, nvalues);
  PetscInt    rows = nvalues / ntags;
  LoopColumns col  = loop_columns(rd, first, ntags);
  if (col.op >= 0 && !rd->ops) {
    PetscCheck(rows <= CIF_MAX_OPERATIONS, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
               "%s:%d: %" PetscInt_FMT " symmetry operations; a space group has at most %d", rd->file.filename, t->line,
               rows, CIF_MAX_OPERATIONS);
    PetscCall(PetscMalloc1(rows, &rd->ops));
    for (PetscInt r = 0; r < rows; r++)
      PetscCall(parse_operation(&rd->file, &rd->file.token[values + r * ntags + col.op], &rd->ops[rd->nops++]));
  }
  if (col.x >= 0 || col.y >= 0 || col.z >= 0) PetscCall(read_sites(rd, t, values, ntags, rows, col));
  PetscFunctionReturn(0);
}

/* A tag and its value at token i: a cell parameter or a single symmetry operation (others are
 * skipped). */
static PetscErrorCode read_tag_value(CifReader *rd, PetscInt end, PetscInt i)
{
  const Token *t = &rd->file.token[i];
  PetscFunctionBeginUser;
  PetscCheck(i + 1 < end && !is_tag(rd->file.token[i + 1].text) && !is_keyword(rd->file.token[i + 1].text),
             PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s:%d: tag %s has no value", rd->file.filename, t->line,
             t->text);
  for (int c = 0; c < 6; c++)
    if (!strcasecmp(t->text, cell_tags[c])) {
      PetscCall(parse_number(&rd->file, &rd->file.token[i + 1], cell_tags[c], &rd->cell[c], NULL));
      rd->have_cell[c] = PETSC_TRUE;
    }
  if ((!strcasecmp(t->text, "_symmetry_equiv_pos_as_xyz") ||
       !strcasecmp(t->text, "_space_group_symop_operation_xyz")) &&
      !rd->ops) {
    PetscCall(PetscMalloc1(1, &rd->ops));
    PetscCall(parse_operation(&rd->file, &rd->file.token[i + 1], &rd->ops[rd->nops++]));
  }
  PetscFunctionReturn(0);
}

/* Cell, operations and sites from the data block `block`; the identity when the block lists
 * no operations. */
static PetscErrorCode read_block(CifReader *rd, const char *block)
{
  const char *filename = rd->file.filename;
  PetscInt    begin, end;
  PetscFunctionBeginUser;
  PetscCall(find_block(&rd->file, block, &begin, &end));
  for (PetscInt i = begin; i < end;) {
    const char *text = rd->file.token[i].text;
    if (!strcasecmp(text, "loop_"))
      PetscCall(read_loop(rd, end, &i));
    else if (is_tag(text)) {
      PetscCall(read_tag_value(rd, end, i));
      i += 2;
    } else
      i++; /* a stray value: ignored, as CIF readers do */
  }
  for (int c = 0; c < 6; c++)
    PetscCheck(rd->have_cell[c], PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED, "%s: %s is missing", filename,
               cell_tags[c]);
  PetscCheck(rd->nsites > 0, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "%s: no atom sites (_atom_site_fract_x/y/z loop)", filename);
  rd->ops_from_file = rd->ops ? PETSC_TRUE : PETSC_FALSE;
  if (!rd->ops) {
    PetscCall(PetscMalloc1(1, &rd->ops));
    PetscCall(PetscMemzero(rd->ops, sizeof *rd->ops));
    for (int k = 0; k < 3; k++) rd->ops[0].W[k][k] = 1;
    rd->nops = 1;
  }
  PetscFunctionReturn(0);
}

/* Every site under every operation into rd->expanded, copies closer than 0.01 Å merged (the
 * metric from a trial crystal of the cell); the crystal of the expanded sites into *out. */
static PetscErrorCode expand_sites(CifReader *rd, Crystal **out)
{
  const char *filename = rd->file.filename;
  PetscInt    nsites = rd->nsites, nexpanded = 0;
  PetscFunctionBeginUser;
  PetscCall(crystal_create_from_cell(filename, rd->cell, rd->cell + 3, 1, rd->sites, &rd->trial));
  /* The duplicate search below is quadratic in the positions: bound them before allocating. */
  PetscCheck(nsites <= CIF_MAX_POSITIONS / rd->nops, PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
             "CIF file '%s': %" PetscInt_FMT " sites x %" PetscInt_FMT
             " symmetry operations = %lld positions in the cell; allowed at most %d",
             filename, nsites, rd->nops, (long long)nsites * rd->nops, CIF_MAX_POSITIONS);
  PetscCall(PetscMalloc2(nsites * rd->nops, &rd->expanded, nsites * rd->nops, &rd->expanded_line));
  for (PetscInt s = 0; s < nsites; s++)
    for (PetscInt o = 0; o < rd->nops; o++) {
      CrystalSite n = rd->sites[s];
      for (int k = 0; k < 3; k++) {
        double f = rd->ops[o].W[k][0] * rd->sites[s].fractional[0] + rd->ops[o].W[k][1] * rd->sites[s].fractional[1] +
                   rd->ops[o].W[k][2] * rd->sites[s].fractional[2] + rd->ops[o].t[k];
        f -= floor(f);
        n.fractional[k] = f > 1 - 1e-9 ? 0 : f;
      }
      PetscBool duplicate = PETSC_FALSE;
      for (PetscInt e = 0; e < nexpanded && !duplicate; e++) {
        double df[3], r[3];
        for (int k = 0; k < 3; k++)
          df[k] =
            n.fractional[k] - rd->expanded[e].fractional[k] - round(n.fractional[k] - rd->expanded[e].fractional[k]);
        crystal_direction(rd->trial, df, r);
        if (r[0] * r[0] + r[1] * r[1] + r[2] * r[2] > 1e-4) continue;
        if (rd->expanded[e].atomic_number == n.atomic_number)
          duplicate = PETSC_TRUE;
        else if (o == 0 && rd->expanded[e].occupancy + n.occupancy > 1.01) {
          SETERRQ(
            PETSC_COMM_SELF, PETSC_ERR_FILE_UNEXPECTED,
            "%s:%d: atom site coincides with the one from line %d (different elements, total occupancy %g > 1): inconsistent CIF",
            filename, rd->site_line[s], rd->expanded_line[e], rd->expanded[e].occupancy + n.occupancy);
        }
      }
      if (!duplicate) {
        rd->expanded_line[nexpanded] = rd->site_line[s];
        rd->expanded[nexpanded++]    = n;
      }
    }
  PetscCall(crystal_destroy(&rd->trial));
  PetscCall(crystal_create_from_cell(filename, rd->cell, rd->cell + 3, nexpanded, rd->expanded, out));
  PetscFunctionReturn(0);
}

/* Laue group: holohedry operations that are ± a rotation part of the CIF's operations.
 * A CIF with the identity alone (no operations, or only x,y,z: P1 or a structure
 * written out in full) would leave {hkl} = ±(hkl) and polyhedra unbounded; its Laue
 * group is then taken to be the lattice's holohedry (metric symmetry), and the crystal
 * says so (family_from_metric) so that the build output can tell the user. */
static void keep_laue_operations(const CifReader *rd, Crystal *c)
{
  PetscInt  kept          = 0;
  PetscBool identity_only = PETSC_TRUE;
  for (PetscInt o = 0; o < rd->nops; o++)
    for (int a = 0; a < 3; a++)
      for (int b = 0; b < 3; b++) identity_only = identity_only && rd->ops[o].W[a][b] == (a == b);
  c->ncif_operations = rd->ops_from_file ? rd->nops : 0;
  if (identity_only) {
    c->family_from_metric = PETSC_TRUE;
    return;
  }
  for (PetscInt p = 0; p < c->npoint_operations; p++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt o = 0; o < rd->nops && !found; o++)
      for (int sign = -1; sign <= 1 && !found; sign += 2) {
        PetscBool same = PETSC_TRUE;
        for (int a = 0; a < 3; a++)
          for (int b = 0; b < 3; b++) same = same && c->point_operation[p][a][b] == sign * rd->ops[o].W[a][b];
        found = same;
      }
    if (found) {
      if (kept != p)
        memcpy(&c->point_operation[kept][0][0], &c->point_operation[p][0][0], 9 * sizeof c->point_operation[p][0][0]);
      kept++;
    }
  }
  c->npoint_operations = kept;
}

static PetscErrorCode read_cif(const char *filename, const char *block, CifReader *rd, Crystal **out)
{
  PetscFunctionBeginUser;
  PetscCall(load_tokens(filename, rd));
  PetscCall(read_block(rd, block));
  PetscCall(expand_sites(rd, out));
  keep_laue_operations(rd, *out);
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_create_from_cif(const char *filename, Crystal **out)
{
  PetscFunctionBeginUser;
  PetscCall(crystal_create_from_cif_block(filename, NULL, out));
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_create_from_cif_block(const char *filename, const char *block, Crystal **out)
{
  CifReader rd;
  PetscFunctionBeginUser;
  *out = NULL;
  PetscCall(PetscMemzero(&rd, sizeof rd));
  rd.file.filename    = filename;
  PetscErrorCode ierr = read_cif(filename, block, &rd, out);
  if (rd.handle) fclose(rd.handle);
  PetscCall(crystal_destroy(&rd.trial));
  PetscCall(PetscFree2(rd.expanded, rd.expanded_line));
  PetscCall(PetscFree2(rd.sites, rd.site_line));
  PetscCall(PetscFree(rd.ops));
  PetscCall(PetscFree(rd.file.token));
  PetscCall(PetscFree(rd.file.buffer));
  if (ierr && *out) PetscCall(crystal_destroy(out));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
