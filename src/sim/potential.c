/* potential.c — projected potentials of slices by spreading exact, band-limited radial
 * kernels: sub-pixel exact, linear in the number of atoms (see potential.h for why). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/elements.h"
#include "sim/potential.h"
#include "core/timing.h"

/* Bohr radius [Å] times e/(4πε0) [V·Å] (CODATA 2018): Kirkland's a0·e. */
#define BOHR_TIMES_CHARGE (0.529177210903 * 14.399645478)
/* Radius beyond which an atom's kernel is cut [Å]: the Lorentzian tails of the heavy elements
 * are below 1e-3 of the peak there; the lost k = 0 part is restored exactly (dc_missing). */
#define POTENTIAL_CUTOFF     3.0
#define POTENTIAL_TABLE_SIZE 2048

double potential_atom_integral(int atomic_number)
{
  const Element *el = element_from_z(atomic_number);
  if (!el) return 0.0;
  return 2.0 * M_PI * BOHR_TIMES_CHARGE * element_scattering_factor(el, 0.0);
}

/* Low-pass window: 1 up to k1 (the multislice band limit), raised cosine to 0 at k2. */
static double window(double k, double k1, double k2)
{
  if (k <= k1) return 1.0;
  if (k >= k2) return 0.0;
  return 0.5 * (1.0 + cos(M_PI * (k - k1) / (k2 - k1)));
}

/* v(r) = 2π ∫_0^k2 F(k) W(k) J0(2πkr) k dk by Simpson's rule on m intervals. */
static void build_table(const Element *el, double k1, double k2, double cutoff, PetscInt n_table, float *table,
                        double *dc_missing)
{
  const PetscInt m = 2 * (PetscInt)PetscMax(256, ceil(16.0 * k2 * cutoff));
  const double   h = k2 / (double)m, dr = cutoff / (double)n_table;
  double        *weight   = malloc(sizeof(double) * (size_t)(m + 1));
  double         integral = 0.0;

  for (PetscInt q = 0; q <= m; q++) {
    double k = q * h, simpson = (q == 0 || q == m) ? 1.0 : (q % 2 ? 4.0 : 2.0);
    weight[q] = simpson * h / 3.0 * 2.0 * M_PI * k * 2.0 * M_PI * BOHR_TIMES_CHARGE * element_scattering_factor(el, k) *
                window(k, k1, k2);
  }
  for (PetscInt t = 0; t < n_table; t++) {
    double r = t * dr, v = 0.0;
    for (PetscInt q = 1; q <= m; q++) v += weight[q] * j0(2.0 * M_PI * q * h * r);
    table[t] = (float)v;
  }
  table[n_table] = 0.0f;
  /* Integral of the truncated kernel (trapezoid in r): what a sum over pixels gives. */
  for (PetscInt t = 0; t < n_table; t++)
    integral += 0.5 * (table[t] * t + table[t + 1] * (t + 1)) * dr * dr * 2.0 * M_PI;
  *dc_missing = 2.0 * M_PI * BOHR_TIMES_CHARGE * element_scattering_factor(el, 0.0) - integral;
  free(weight);
}

/* Radial tables already built, kept for the life of the process: every work unit of a campaign
 * and every mask on the same pixel size needs the same ones, and a table costs ~n_table × 600
 * Bessel functions (tens of ms). Keyed by everything build_table depends on; the entries are
 * copied, so a cached table gives exactly the bits of a fresh one. */
typedef struct {
  int      z;
  double   k1, k2, cutoff;
  PetscInt n_table;
  float   *table;
  double   dc_missing;
} CachedTable;

#define POTENTIAL_TABLE_CACHE 32
static CachedTable potential_table_cache[POTENTIAL_TABLE_CACHE];
static int         potential_table_cache_next, potential_table_cache_registered;

static PetscErrorCode potential_table_cache_finalize(void)
{
  PetscFunctionBeginUser;
  for (int e = 0; e < POTENTIAL_TABLE_CACHE; e++) {
    free(potential_table_cache[e].table);
    memset(&potential_table_cache[e], 0, sizeof potential_table_cache[e]);
  }
  potential_table_cache_registered = 0;
  PetscFunctionReturn(0);
}

/* build_table through the cache. */
static PetscErrorCode table_get(int z, double k1, double k2, double cutoff, PetscInt n_table, float *table,
                                double *dc_missing)
{
  PetscFunctionBeginUser;
  for (int e = 0; e < POTENTIAL_TABLE_CACHE; e++) {
    const CachedTable *c = &potential_table_cache[e];
    if (c->table && c->z == z && c->k1 == k1 && c->k2 == k2 && c->cutoff == cutoff && c->n_table == n_table) {
      memcpy(table, c->table, sizeof(float) * (size_t)(n_table + 1));
      *dc_missing = c->dc_missing;
      PetscFunctionReturn(0);
    }
  }
  build_table(element_from_z(z), k1, k2, cutoff, n_table, table, dc_missing);
  if (!potential_table_cache_registered) {
    PetscCall(PetscRegisterFinalize(potential_table_cache_finalize));
    potential_table_cache_registered = 1;
  }
  CachedTable *c             = &potential_table_cache[potential_table_cache_next];
  potential_table_cache_next = (potential_table_cache_next + 1) % POTENTIAL_TABLE_CACHE;
  free(c->table);
  c->table = malloc(sizeof(float) * (size_t)(n_table + 1));
  if (!c->table) { /* no room to cache: the table is still right */
    memset(c, 0, sizeof *c);
    PetscFunctionReturn(0);
  }
  memcpy(c->table, table, sizeof(float) * (size_t)(n_table + 1));
  c->z          = z;
  c->k1         = k1;
  c->k2         = k2;
  c->cutoff     = cutoff;
  c->n_table    = n_table;
  c->dc_missing = *dc_missing;
  PetscFunctionReturn(0);
}

PetscErrorCode potential_tables_create(const SimulationGrid *grid, const AtomList *atoms, int z, PotentialTables **out)
{
  PotentialTables *tables;
  double           k_nyquist = PetscMin(0.5 / grid->sampling[0], 0.5 / grid->sampling[1]);
  double           k1 = grid->band_limit * k_nyquist, k2 = k_nyquist;

  PetscFunctionBeginUser;
  PetscCheck(grid->nx > 0 && grid->ny > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE, "simulation grid not set up");
  PetscCall(PetscCalloc1(1, &tables));
  tables->nx = grid->nx;
  tables->ny = grid->ny;
  for (int d = 0; d < 2; d++) {
    tables->sampling[d] = grid->sampling[d];
    /* The period of the grid itself (equal to the cell on a set-up grid; a copy of a grid with
     * another pixel size, as the detector-resolution masks use, stays consistent). */
    tables->cell[d] = (double)(d == 0 ? grid->nx : grid->ny) * grid->sampling[d];
  }
  tables->cutoff  = POTENTIAL_CUTOFF;
  tables->n_table = POTENTIAL_TABLE_SIZE;
  tables->r_step  = tables->cutoff / (double)tables->n_table;
  for (int i = 0; i < 104; i++) tables->species_of_z[i] = -1;
  if (atoms) {
    for (PetscInt i = 0; i < atoms->n; i++) {
      int zi = atoms->atomic_number[i];
      PetscCheck(zi >= 1 && zi <= ELEMENT_MAX_Z && element_from_z(zi), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "atom %" PetscInt_FMT " has atomic number %d; allowed 1..%d", i, zi, ELEMENT_MAX_Z);
      if (tables->species_of_z[zi] < 0) tables->species_of_z[zi] = (int)tables->n_species++;
    }
  } else {
    PetscCheck(z >= 1 && z <= ELEMENT_MAX_Z, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "atomic number %d; allowed 1..%d",
               z, ELEMENT_MAX_Z);
    tables->species_of_z[z] = (int)tables->n_species++;
  }
  PetscCall(PetscMalloc1((size_t)PetscMax(tables->n_species, 1) * (size_t)(tables->n_table + 1), &tables->table));
  PetscCall(PetscCalloc1(PetscMax(tables->n_species, 1), &tables->dc_missing));
  for (int zi = 1; zi <= ELEMENT_MAX_Z; zi++) {
    int s = tables->species_of_z[zi];
    if (s < 0) continue;
    PetscCall(table_get(zi, k1, k2, tables->cutoff, tables->n_table,
                        tables->table + (size_t)s * (size_t)(tables->n_table + 1), &tables->dc_missing[s]));
  }
  *out = tables;
  PetscFunctionReturn(0);
}

PetscErrorCode potential_tables_destroy(PotentialTables **tables)
{
  PetscFunctionBeginUser;
  if (!*tables) PetscFunctionReturn(0);
  PetscCall(PetscFree((*tables)->table));
  PetscCall(PetscFree((*tables)->dc_missing));
  PetscCall(PetscFree(*tables));
  PetscFunctionReturn(0);
}

PetscErrorCode potential_slice_add(const PotentialTables *tables, PetscInt n, const double (*position)[3],
                                   const int *atomic_number, const float *occupancy, PetscInt row_begin,
                                   PetscInt row_end, float *potential)
{
  float shift;
  PetscFunctionBeginUser;
  PetscCall(potential_slice_add_unshifted(tables, n, position, atomic_number, occupancy, row_begin, row_end, potential,
                                          &shift));
  /* Restore the k = 0 part cut off with the tails: spread over the cell, per area. */
  if (shift != 0.0f) {
    for (PetscInt j = row_begin; j < row_end; j++)
      for (PetscInt i = 0; i < tables->nx; i++) potential[(size_t)(j - row_begin) * (size_t)tables->nx + i] += shift;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode potential_slice_add_unshifted(const PotentialTables *tables, PetscInt n, const double (*position)[3],
                                             const int *atomic_number, const float *occupancy, PetscInt row_begin,
                                             PetscInt row_end, float *potential, float *shift)
{
  const PetscInt nx = tables->nx, ny = tables->ny, n_table = tables->n_table;
  const double   sx = tables->sampling[0], sy = tables->sampling[1], cutoff = tables->cutoff;
  const float    inv_dr = (float)(1.0 / tables->r_step), cutoff2 = (float)(cutoff * cutoff);
  const PetscInt reach_y = (PetscInt)ceil(cutoff / sy) + 1;
  double         dc      = 0.0;

  PetscFunctionBeginUser;
  for (PetscInt a = 0; a < n; a++) {
    int s = (atomic_number[a] >= 0 && atomic_number[a] < 104) ? tables->species_of_z[atomic_number[a]] : -1;
    PetscCheck(s >= 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG, "no potential table for atomic number %d",
               atomic_number[a]);
    const float  weight = occupancy ? occupancy[a] : 1.0f;
    const float *table  = tables->table + (size_t)s * (size_t)(n_table + 1);
    /* Position in pixel units, wrapped into the cell: only fractional offsets matter. */
    double x = position[a][0] / sx, y = position[a][1] / sy;
    x -= floor(x / nx) * nx;
    y -= floor(y / ny) * ny;
    const PetscInt jc = (PetscInt)floor(y);
    dc += weight * tables->dc_missing[s];
    for (PetscInt jj = jc - reach_y; jj <= jc + reach_y + 1; jj++) {
      /* Unwrapped row jj is the periodic image at distance (jj - y)·sy; keep the rows we own. */
      PetscInt row = jj % ny;
      if (row < 0) row += ny;
      if (row < row_begin || row >= row_end) continue;
      const float dy = (float)((jj - y) * sy), dy2 = dy * dy;
      if (dy2 >= cutoff2) continue;
      const float    half = sqrtf(cutoff2 - dy2);
      const PetscInt i0 = (PetscInt)ceil(x - half / sx), i1 = (PetscInt)floor(x + half / sx);
      float         *out = potential + (size_t)(row - row_begin) * (size_t)nx;
      for (PetscInt ii = i0; ii <= i1; ii++) {
        const float dx = (float)((ii - x) * sx);
        const float t  = sqrtf(dx * dx + dy2) * inv_dr;
        int         k  = (int)t;
        if (k >= n_table) continue;
        const float f   = t - (float)k;
        PetscInt    col = ii < 0 ? ii + nx : (ii >= nx ? ii - nx : ii);
        if (col < 0 || col >= nx) col = ((ii % nx) + nx) % nx; /* reach wider than the cell */
        out[col] += weight * (table[k] + f * (table[k + 1] - table[k]));
      }
    }
  }
  *shift = dc != 0.0 ? (float)(dc / (tables->cell[0] * tables->cell[1])) : 0.0f;
  PetscFunctionReturn(0);
}

PetscErrorCode projected_potential_compute(const SimulationGrid *grid, const AtomList *atoms, const PetscBool *include,
                                           float *potential)
{
  PotentialTables *tables;
  double(*position)[3];
  int     *z;
  float   *occupancy;
  PetscInt n = 0;

  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
  PetscCall(
    PetscMalloc3(PetscMax(atoms->n, 1), &position, PetscMax(atoms->n, 1), &z, PetscMax(atoms->n, 1), &occupancy));
  for (PetscInt i = 0; i < atoms->n; i++) {
    if (include && !include[i]) continue;
    memcpy(position[n], atoms->position[i], sizeof(position[n]));
    z[n]         = atoms->atomic_number[i];
    occupancy[n] = atoms->occupancy ? atoms->occupancy[i] : 1.0f;
    n++;
  }
  {
    /* Tables for the included atoms' species only (a particle mask needs no carbon table):
     * a view of the atom list holding just their atomic numbers. */
    AtomList included      = *atoms;
    included.n             = n;
    included.atomic_number = z;
    PetscCall(potential_tables_create(grid, &included, 0, &tables));
  }
  PetscCall(PetscArrayzero(potential, (size_t)grid->nx * (size_t)grid->ny));
  PetscCall(potential_slice_add(tables, n, (const double(*)[3])position, z, occupancy, 0, grid->ny, potential));
  PetscCall(PetscFree3(position, z, occupancy));
  PetscCall(potential_tables_destroy(&tables));
  PetscCall(PetscLogEventEnd(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}
