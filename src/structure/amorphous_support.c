/* amorphous_support.c — random sequential addition slabs and crystalline sheets
 * (see amorphous_support.h). Plain serial C. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/checked_size.h"
#include "structure/amorphous_support.h"
#include "core/elements.h"
#include "core/rng.h"

#define AVOGADRO 6.02214076e23

static const struct {
  const char *name;
  SupportKind kind;
} support_names[] = {
  {"none", SUPPORT_NONE},
  {"amorphous_carbon", SUPPORT_AMORPHOUS_CARBON},
  {"sinx", SUPPORT_SILICON_NITRIDE},
  {"sio2", SUPPORT_SILICA},
  {"graphene", SUPPORT_GRAPHENE},
  {"mos2", SUPPORT_MOS2},
};
#define N_SUPPORT_NAMES ((int)(sizeof support_names / sizeof support_names[0]))

PetscErrorCode support_kind_from_name(const char *name, const char *option, SupportKind *kind)
{
  PetscFunctionBeginUser;
  for (int i = 0; i < N_SUPPORT_NAMES; i++) {
    if (!strcasecmp(name, support_names[i].name)) {
      *kind = support_names[i].kind;
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
          "Option %s: unknown support '%s'; allowed: none, amorphous_carbon, sinx, sio2, graphene, mos2", option, name);
}

const char *support_kind_name(SupportKind kind)
{
  for (int i = 0; i < N_SUPPORT_NAMES; i++)
    if (support_names[i].kind == kind) return support_names[i].name;
  return "unknown";
}

static double species_mean_mass(const AmorphousSupportSpec *spec)
{
  double total = 0, mass = 0;
  for (int s = 0; s < spec->n_species; s++) {
    const Element *element = element_from_z(spec->atomic_number[s]);
    total += spec->fraction[s];
    mass += spec->fraction[s] * (element ? element->mass : 0);
  }
  return total > 0 ? mass / total : 0;
}

double amorphous_support_mass_density(const AmorphousSupportSpec *spec)
{
  /* atoms/Å³ × g/mol / N_A × 1e24 Å³/cm³ */
  return spec->density * species_mean_mass(spec) / AVOGADRO * 1e24;
}

double amorphous_support_number_density(const AmorphousSupportSpec *spec, double grams_per_cm3)
{
  double mass = species_mean_mass(spec);
  return mass > 0 ? grams_per_cm3 * AVOGADRO * 1e-24 / mass : 0;
}

static void set_pair(AmorphousSupportSpec *spec, int a, int b, double distance)
{
  spec->min_distance[a][b] = distance;
  spec->min_distance[b][a] = distance;
}

PetscErrorCode amorphous_support_spec_default(SupportKind kind, const double size[3], const double origin[3],
                                              AmorphousSupportSpec *spec)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(spec, sizeof *spec));
  for (int d = 0; d < 3; d++) {
    spec->size[d]   = size[d];
    spec->origin[d] = origin[d];
  }
  spec->max_attempts = 100000;
  /* Hard-core distances sit a little below the first-neighbour bond lengths (C–C 1.42–1.54,
   * Si–N 1.73, Si–O 1.61 Å) and the like-pair ones below second neighbours, so that RSA
   * reaches the experimental densities well below its jamming limit. */
  switch (kind) {
  case SUPPORT_AMORPHOUS_CARBON:
    spec->n_species        = 1;
    spec->atomic_number[0] = 6;
    spec->fraction[0]      = 1;
    set_pair(spec, 0, 0, AMORPHOUS_CARBON_MIN_DISTANCE);
    spec->density = AMORPHOUS_CARBON_DENSITY;
    break;
  case SUPPORT_SILICON_NITRIDE:
    spec->n_species        = 2;
    spec->atomic_number[0] = 14;
    spec->atomic_number[1] = 7;
    spec->fraction[0]      = 3.0 / 7.0;
    spec->fraction[1]      = 4.0 / 7.0;
    set_pair(spec, 0, 0, 2.0);
    set_pair(spec, 1, 1, 1.8);
    set_pair(spec, 0, 1, 1.5);
    spec->density = amorphous_support_number_density(spec, 3.1);
    break;
  case SUPPORT_SILICA:
    spec->n_species        = 2;
    spec->atomic_number[0] = 14;
    spec->atomic_number[1] = 8;
    spec->fraction[0]      = 1.0 / 3.0;
    spec->fraction[1]      = 2.0 / 3.0;
    set_pair(spec, 0, 0, 2.6);
    set_pair(spec, 1, 1, 2.2);
    set_pair(spec, 0, 1, 1.5);
    spec->density = amorphous_support_number_density(spec, 2.2);
    break;
  default:
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
            "support '%s' is not amorphous; allowed: amorphous_carbon, sinx, sio2", support_kind_name(kind));
  }
  PetscFunctionReturn(0);
}

/* Packing fraction the spec asks for: number density × volume of a sphere of the
 * composition-weighted mean hard-core diameter (d_eff³ = Σ x_i x_j d_ij³). */
static double packing_fraction(const AmorphousSupportSpec *spec, double fraction[AMORPHOUS_MAX_SPECIES])
{
  double d3 = 0;
  for (int a = 0; a < spec->n_species; a++)
    for (int b = 0; b < spec->n_species; b++) d3 += fraction[a] * fraction[b] * pow(spec->min_distance[a][b], 3);
  return spec->density * M_PI / 6.0 * d3;
}

/* A placed atom as the neighbour search reads it: 16 bytes, position and chain link
 * together, so one cache line serves both (the search is bound by memory traffic).
 * Positions are kept as floats (resolution < 2e-5 Å in a 200 Å slab) and the accepted
 * position is exactly the float one that was checked; distances are computed in double. */
/* About how many atoms one tile holds (see the fill loop): a tile with the cells around
 * it, heads and atoms, stays well inside a 1 MiB L2 cache. */
#define TILE_ATOMS 4096
/* Sweeps over the tiles; each gives every tile 1/RSA_ROUNDS of its atoms. */
#define RSA_ROUNDS 8

typedef struct {
  float x, y, z;
  int   next; /* the atom placed before in the same cell, -1 at the end */
} PlacedAtom;

/* Cell list: head[cell] is the last atom placed in the cell. */
typedef struct {
  int    n[3];       /* cells along x, y, z */
  double inverse[3]; /* cells per Å */
  int   *head;
} CellList;

static inline int cell_coordinate(double offset, double inverse, int n)
{
  int c = (int)(offset * inverse);
  return c < 0 ? 0 : c >= n ? n - 1 : c;
}

/* One fill in progress: the spec's numbers prepared for the placement loop, the cell list
 * and the atoms placed so far. */
typedef struct {
  const AmorphousSupportSpec *spec;
  double                      fraction[AMORPHOUS_MAX_SPECIES];                       /* normalised species fractions */
  double                      largest;                                               /* largest minimum distance [Å] */
  double                      phi;                                                   /* packing fraction asked for */
  double                      squared[AMORPHOUS_MAX_SPECIES][AMORPHOUS_MAX_SPECIES]; /* min. distances² */
  PetscInt                    n_atoms, count[AMORPHOUS_MAX_SPECIES];                 /* in all, per species */
  CellList                    cells;
  int                         neighbour[27][3]; /* cell offsets, nearest first */
  PlacedAtom                 *placed_atom;      /* [n_atoms + 1] */
  unsigned char              *species;          /* [n_atoms + 1]: species of atom i, shuffled */
  PetscInt                    placed;
  PetscBool                   exhausted; /* max_attempts proposals in a row were rejected */
  RngStream                   stream;
} RsaFill;

/* The spec checked (species, sizes, distances, a reachable density, a countable number of
 * atoms) and its derived numbers into f: fractions, largest distance, packing fraction, atoms. */
static PetscErrorCode check_spec(const AmorphousSupportSpec *spec, RsaFill *f)
{
  double total = 0, largest = 0;
  PetscFunctionBeginUser;
  PetscCheck(spec->n_species >= 1 && spec->n_species <= AMORPHOUS_MAX_SPECIES, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "amorphous support: %d species; allowed 1..%d", spec->n_species, AMORPHOUS_MAX_SPECIES);
  for (int d = 0; d < 3; d++)
    PetscCheck(spec->size[d] > 0 && isfinite(spec->size[d]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "amorphous support: size %g along %c; allowed: a positive length [Å]", spec->size[d], "xyz"[d]);
  PetscCheck(spec->density >= 0 && isfinite(spec->density), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "amorphous support: density %g atoms/Å³; allowed: >= 0", spec->density);
  for (int a = 0; a < spec->n_species; a++) {
    PetscCheck(element_from_z(spec->atomic_number[a]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "amorphous support: atomic number %d; allowed 1..%d", spec->atomic_number[a], ELEMENT_MAX_Z);
    PetscCheck(spec->fraction[a] >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "amorphous support: negative fraction %g",
               spec->fraction[a]);
    total += spec->fraction[a];
    for (int b = 0; b < spec->n_species; b++) {
      PetscCheck(spec->min_distance[a][b] > 0 && spec->min_distance[a][b] == spec->min_distance[b][a], PETSC_COMM_SELF,
                 PETSC_ERR_USER_INPUT,
                 "amorphous support: minimum distance %g Å between species %d and %d; allowed: positive and symmetric",
                 spec->min_distance[a][b], a, b);
      largest = PetscMax(largest, spec->min_distance[a][b]);
    }
  }
  PetscCheck(total > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "amorphous support: species fractions sum to 0");
  for (int a = 0; a < spec->n_species; a++) f->fraction[a] = spec->fraction[a] / total;
  for (int d = 0; d < 2; d++)
    PetscCheck(
      spec->size[d] >= 2 * largest, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "amorphous support: edge %g Å along %c is shorter than twice the minimum distance %g Å, so the periodic minimum image is undefined",
      spec->size[d], "xy"[d], largest);
  double phi = packing_fraction(spec, f->fraction);
  PetscCheck(
    phi < AMORPHOUS_RSA_JAMMING_FRACTION, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "amorphous support: density %g atoms/Å³ (-support_density %.3f g/cm³) with minimum distance %g Å (-support_min_distance) is a packing fraction %.3f, beyond the random sequential addition jamming limit %.2f (random close packing is 0.64); lower the density or the minimum distance",
    spec->density, amorphous_support_mass_density(spec), spec->min_distance[0][0], phi, AMORPHOUS_RSA_JAMMING_FRACTION);

  double volume = spec->size[0] * spec->size[1] * spec->size[2];
  /* Checked as a double before the cast: llround to a 32-bit PetscInt would wrap 5e9 atoms to a
   * count that passes the limit. */
  const double wanted = spec->density * volume;
  PetscCheck(
    isfinite(wanted) && wanted < 2e9, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "amorphous support: %g x %g x %g Å at %g atoms/Å³ needs %.4g atoms; allowed: fewer than 2e9 (shrink -support_size or -support_thickness)",
    spec->size[0], spec->size[1], spec->size[2], spec->density, wanted);
  f->spec    = spec;
  f->largest = largest;
  f->phi     = phi;
  f->n_atoms = (PetscInt)llround(wanted);
  PetscFunctionReturn(0);
}

/* The cell list (cells at least the largest minimum distance wide, all empty) and the atom
 * arrays. */
static PetscErrorCode allocate_cells(RsaFill *f)
{
  const AmorphousSupportSpec *spec = f->spec;
  PetscFunctionBeginUser;
  for (int d = 0; d < 3; d++) {
    PetscCheck(spec->size[d] / f->largest < 1e6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "amorphous support: edge %g Å along %c; allowed: below %g Å (1e6 minimum distances)", spec->size[d],
               "xyz"[d], 1e6 * f -> largest);
    f->cells.n[d] = (int)floor(spec->size[d] / f->largest);
    if (f->cells.n[d] < 1) f->cells.n[d] = 1;
    f->cells.inverse[d] = f->cells.n[d] / spec->size[d];
  }
  size_t n_cells = (size_t)f->cells.n[0] * f->cells.n[1] * f->cells.n[2];
  PetscCall(checked_malloc(n_cells, sizeof *f->cells.head, "the neighbour cells of the amorphous support",
                           "-support_size", &f->cells.head));
  PetscCall(PetscMalloc1(f->n_atoms + 1, &f->placed_atom));
  PetscCall(PetscMalloc1(f->n_atoms + 1, &f->species));
  for (size_t c = 0; c < n_cells; c++) f->cells.head[c] = -1;
  PetscFunctionReturn(0);
}

/* Exact composition: counts by largest remainder, then the species order shuffled (the first
 * draws of the stream). */
static void assign_species(RsaFill *f)
{
  const AmorphousSupportSpec *spec     = f->spec;
  PetscInt                    assigned = 0, k = 0;
  for (int a = 0; a < spec->n_species; a++) {
    f->count[a] = (PetscInt)floor(f->fraction[a] * f->n_atoms);
    assigned += f->count[a];
  }
  for (int a = 0; assigned < f->n_atoms; a = (a + 1) % spec->n_species, assigned++) f->count[a]++;
  for (int a = 0; a < spec->n_species; a++)
    for (PetscInt i = 0; i < f->count[a]; i++) f->species[k++] = (unsigned char)a;
  if (spec->n_species > 1)
    for (PetscInt i = f->n_atoms - 1; i > 0; i--) {
      PetscInt      j = (PetscInt)rng_below(&f->stream, (uint64_t)i + 1);
      unsigned char t = f->species[i];
      f->species[i]   = f->species[j];
      f->species[j]   = t;
    }
}

/* Squared minimum distances, and the 27 neighbour cells ordered by the number of non-zero
 * offsets: own cell first, then faces, edges, corners (most proposals late in the fill are
 * rejected, and the nearest cells reject them soonest). */
static void prepare_search(RsaFill *f)
{
  const AmorphousSupportSpec *spec = f->spec;
  int                         n    = 0;
  for (int a = 0; a < spec->n_species; a++)
    for (int b = 0; b < spec->n_species; b++) f->squared[a][b] = spec->min_distance[a][b] * spec->min_distance[a][b];
  for (int order = 0; order <= 3; order++)
    for (int dz = -1; dz <= 1; dz++)
      for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
          if (abs(dx) + abs(dy) + abs(dz) == order) {
            f->neighbour[n][0] = dx;
            f->neighbour[n][1] = dy;
            f->neighbour[n][2] = dz;
            n++;
          }
}

/* Whether a proposal at (x, y, z) lies closer than the hard-core distance of species s to an
 * atom already placed (periodic in x and y, not in z). */
static PetscBool clashes(const RsaFill *f, int s, double x, double y, double z, int cx, int cy, int cz)
{
  const double lx = f->spec->size[0], ly = f->spec->size[1];
  const int    nx = f->cells.n[0], ny = f->cells.n[1], nz = f->cells.n[2];
  for (int k = 0; k < 27; k++) {
    int zz = cz + f->neighbour[k][2];
    if (zz < 0 || zz >= nz) continue; /* z is not periodic */
    int yy = cy + f->neighbour[k][1];
    yy     = yy < 0 ? yy + ny : yy >= ny ? yy - ny : yy;
    int xx = cx + f->neighbour[k][0];
    xx     = xx < 0 ? xx + nx : xx >= nx ? xx - nx : xx;
    for (int j = f->cells.head[((size_t)zz * ny + yy) * nx + xx]; j >= 0; j = f->placed_atom[j].next) {
      double rx = f->placed_atom[j].x - x, ry = f->placed_atom[j].y - y, rz = f->placed_atom[j].z - z;
      /* minimum image in x and y: both coordinates lie in [0, L) */
      if (rx > 0.5 * lx)
        rx -= lx;
      else if (rx < -0.5 * lx)
        rx += lx;
      if (ry > 0.5 * ly)
        ry -= ly;
      else if (ry < -0.5 * ly)
        ry += ly;
      if (rx * rx + ry * ry + rz * rz < f->squared[s][f->species[j]]) return PETSC_TRUE;
    }
  }
  return PETSC_FALSE;
}

/* Atom f->placed, proposed uniformly in the box [low, low + width) until it fits; after
 * max_attempts rejections in a row the fill is exhausted. */
static void place_next_atom(RsaFill *f, const double low[3], const double width[3])
{
  const double lx = f->spec->size[0], ly = f->spec->size[1], lz = f->spec->size[2];
  const double scale = 1.0 / 4294967296.0;
  const int    nx = f->cells.n[0], ny = f->cells.n[1], nz = f->cells.n[2];
  const int    s = f->species[f->placed];
  for (PetscInt attempts = 1;; attempts++) {
    /* 32 random bits per coordinate: resolution below 1e-8 Å for any slab we build. */
    float xf = (float)(low[0] + ((double)rng_uint32(&f->stream) + 0.5) * scale * width[0]);
    float yf = (float)(low[1] + ((double)rng_uint32(&f->stream) + 0.5) * scale * width[1]);
    float zf = (float)(low[2] + ((double)rng_uint32(&f->stream) + 0.5) * scale * width[2]);
    /* rounding to float may reach the upper edge: keep [0, L) */
    if (xf >= lx) xf = 0;
    if (yf >= ly) yf = 0;
    if (zf >= lz) zf = nextafterf((float)lz, 0);
    double x = xf, y = yf, z = zf;
    int    cx = cell_coordinate(x, f->cells.inverse[0], nx), cy = cell_coordinate(y, f->cells.inverse[1], ny),
        cz = cell_coordinate(z, f->cells.inverse[2], nz);
    if (!clashes(f, s, x, y, z, cx, cy, cz)) {
      size_t      c    = ((size_t)cz * ny + cy) * nx + cx;
      PlacedAtom *atom = &f->placed_atom[f->placed];
      atom->x          = xf;
      atom->y          = yf;
      atom->z          = zf;
      atom->next       = f->cells.head[c];
      f->cells.head[c] = (int)f->placed;
      f->placed++;
      return;
    }
    if (attempts >= f->spec->max_attempts) {
      f->exhausted = PETSC_TRUE;
      return;
    }
  }
}

/* Tiles of whole cells holding about TILE_ATOMS atoms each, and each tile's share of the atoms
 * from cumulative rounding of its volume fraction (the shares add up to n_atoms). */
static PetscErrorCode tile_layout(const RsaFill *f, int tile_cells[3], int n_tiles[3], PetscInt *total_tiles,
                                  PetscInt **tile_count)
{
  const AmorphousSupportSpec *spec = f->spec;
  const int                   nx = f->cells.n[0], ny = f->cells.n[1], nz = f->cells.n[2];
  const double atoms_per_cell = spec->density * (spec->size[0] / nx) * (spec->size[1] / ny) * (spec->size[2] / nz);
  PetscFunctionBeginUser;
  int t = atoms_per_cell > 0 ? (int)cbrt(TILE_ATOMS / atoms_per_cell) : 1 << 20;
  for (int d = 0; d < 3; d++) {
    tile_cells[d] = PetscMax(1, PetscMin(t, f->cells.n[d]));
    n_tiles[d]    = (f->cells.n[d] + tile_cells[d] - 1) / tile_cells[d];
  }
  *total_tiles = (PetscInt)n_tiles[0] * n_tiles[1] * n_tiles[2];
  PetscCall(PetscMalloc1(*total_tiles, tile_count));
  double   cumulative = 0;
  PetscInt before     = 0;
  for (PetscInt k = 0; k < *total_tiles; k++) {
    int    c[3]     = {(int)(k % n_tiles[0]), (int)(k / n_tiles[0] % n_tiles[1]), (int)(k / n_tiles[0] / n_tiles[1])};
    double fraction = 1;
    for (int d = 0; d < 3; d++)
      fraction *= (double)(PetscMin(f->cells.n[d], (c[d] + 1) * tile_cells[d]) - c[d] * tile_cells[d]) / f->cells.n[d];
    cumulative += fraction;
    PetscInt upto    = k == *total_tiles - 1 ? f->n_atoms : (PetscInt)llround(f->n_atoms * cumulative);
    (*tile_count)[k] = upto - before;
    before           = upto;
  }
  PetscFunctionReturn(0);
}

/* Cache-friendly order. Proposals uniform over the whole box touch the whole cell list
 * at random, and once it outgrows the L2 cache each atom costs more: 16x the volume of
 * the 100x100x30 Å block took 2.6x the time per atom. Instead the box is cut into tiles
 * of whole cells holding about TILE_ATOMS atoms each, and filled in RSA_ROUNDS sweeps
 * over the tiles (alternately forwards and backwards): in each sweep every tile gets its
 * next 1/RSA_ROUNDS share of its atoms, proposed uniformly inside the tile and checked
 * against every atom already placed (hard cores are exact across tile boundaries and
 * the periodic edges). The working set of one step is one tile and the cells around it,
 * the same for every box, so the cost per atom no longer grows with the volume. Each
 * tile holds its exact share of the atoms, so the density is uniform tile by tile; the
 * only departure from one global RSA is the order of proposals within d_min of a tile
 * boundary, and sweeping in rounds keeps neighbouring tiles within 1/RSA_ROUNDS of
 * each other's fill. */
static PetscErrorCode fill_tiles(RsaFill *f)
{
  const AmorphousSupportSpec *spec = f->spec;
  int                         tile_cells[3], n_tiles[3];
  PetscInt                    total_tiles, *tile_count;
  PetscFunctionBeginUser;
  PetscCall(tile_layout(f, tile_cells, n_tiles, &total_tiles, &tile_count));
  for (int round = 1; round <= RSA_ROUNDS && !f->exhausted; round++) {
    for (PetscInt step = 0; step < total_tiles && !f->exhausted; step++) {
      const PetscInt tile = round % 2 ? step : total_tiles - 1 - step;
      const int      c[3] = {(int)(tile % n_tiles[0]), (int)(tile / n_tiles[0] % n_tiles[1]),
                             (int)(tile / n_tiles[0] / n_tiles[1])};
      double         low[3], width[3];
      for (int d = 0; d < 3; d++) {
        int first_cell = c[d] * tile_cells[d], end_cell = PetscMin(f->cells.n[d], first_cell + tile_cells[d]);
        low[d]   = spec->size[d] * first_cell / f->cells.n[d];
        width[d] = spec->size[d] * end_cell / f->cells.n[d] - low[d];
      }
      const PetscInt share = tile_count[tile] * round / RSA_ROUNDS - tile_count[tile] * (round - 1) / RSA_ROUNDS;
      for (PetscInt k = 0; k < share && !f->exhausted; k++) place_next_atom(f, low, width);
    }
  }
  PetscCall(PetscFree(tile_count));
  PetscFunctionReturn(0);
}

/* The placed atoms, shifted by the origin, appended to `atoms`; a list that was empty takes
 * the slab's cell, periodic in x and y. */
static PetscErrorCode append_atoms(const RsaFill *f, int object_id, AtomList *atoms)
{
  const AmorphousSupportSpec *spec  = f->spec;
  PetscInt                    first = atoms->n;
  PetscFunctionBeginUser;
  PetscCall(atom_list_reserve(atoms, atoms->n + f->n_atoms));
  for (PetscInt i = 0; i < f->n_atoms; i++) {
    PetscInt k              = first + i;
    atoms->position[k][0]   = f->placed_atom[i].x + spec->origin[0];
    atoms->position[k][1]   = f->placed_atom[i].y + spec->origin[1];
    atoms->position[k][2]   = f->placed_atom[i].z + spec->origin[2];
    atoms->atomic_number[k] = spec->atomic_number[f->species[i]];
    atoms->object_id[k]     = object_id;
    atoms->atom_class[k]    = (unsigned char)ATOM_CLASS_SUPPORT;
    atoms->occupancy[k]     = 1.0f;
    atoms->thermal_rms[k]   = 0.0f;
  }
  atoms->n += f->n_atoms;
  if (first == 0) {
    PetscCall(PetscMemzero(atoms->cell, sizeof atoms->cell));
    for (int d = 0; d < 3; d++) atoms->cell[d][d] = spec->size[d];
    atoms->periodic[0] = atoms->periodic[1] = PETSC_TRUE;
    atoms->periodic[2]                      = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode amorphous_support_build(const AmorphousSupportSpec *spec, uint64_t seed, uint64_t unit, int object_id,
                                       AtomList *atoms)
{
  RsaFill f;
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(&f, sizeof f));
  PetscCall(check_spec(spec, &f));
  PetscCall(allocate_cells(&f));
  rng_stream_init(&f.stream, seed, unit, RNG_PURPOSE_SUPPORT);
  assign_species(&f);
  prepare_search(&f);
  PetscErrorCode ierr = fill_tiles(&f);
  if (!ierr && !f.exhausted) ierr = append_atoms(&f, object_id, atoms);
  PetscCall(PetscFree(f.cells.head));
  PetscCall(PetscFree(f.placed_atom));
  PetscCall(PetscFree(f.species));
  PetscCall(ierr);
  PetscCheck(
    !f.exhausted, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
    "amorphous support: density %g atoms/Å³ (%.3f g/cm³) with minimum distance %g Å could not be reached: %" PetscInt_FMT
    " of %" PetscInt_FMT " atoms placed before %" PetscInt_FMT
    " consecutive proposals were rejected (packing fraction %.3f; random sequential addition jams near %.2f); lower the density or the minimum distance",
    spec->density, amorphous_support_mass_density(spec), spec->min_distance[0][0], f.placed, f.n_atoms,
    spec->max_attempts, f.phi, AMORPHOUS_RSA_JAMMING_FRACTION);
  PetscFunctionReturn(0);
}

/* Orthohexagonal cells (a × √3 a), fractional coordinates; rows of the cell are
 * (a, 0, 0), (0, √3 a, 0), (0, 0, c). */
typedef struct {
  int    z;
  double fractional[2];
  double height; /* [Å] above the sheet's lowest atoms */
} SheetSite;

PetscErrorCode crystalline_support_build(SupportKind kind, const double size[3], const double origin[3], int object_id,
                                         AtomList *atoms, double actual_size[3])
{
  static const SheetSite graphene[] = {
    {6, {0, 0}, 0}, {6, {0.5, 1.0 / 6}, 0}, {6, {0.5, 0.5}, 0}, {6, {0, 2.0 / 3}, 0}};
  /* 2H-MoS2 monolayer: a = 3.16 Å, S planes 1.586 Å above and below Mo (Mo–S 2.41 Å). */
  static const SheetSite mos2[] = {{42, {0, 0}, 1.586},         {42, {0.5, 0.5}, 1.586}, {16, {0.5, 1.0 / 6}, 0},
                                   {16, {0.5, 1.0 / 6}, 3.172}, {16, {0, 2.0 / 3}, 0},   {16, {0, 2.0 / 3}, 3.172}};
  const SheetSite       *sites;
  int                    n_sites;
  double                 a, thickness;
  PetscFunctionBeginUser;
  if (kind == SUPPORT_GRAPHENE) {
    sites = graphene, n_sites = 4, a = 2.46, thickness = 3.35; /* interlayer spacing of graphite */
  } else if (kind == SUPPORT_MOS2) {
    sites = mos2, n_sites = 6, a = 3.16, thickness = 6.15; /* half the 2H c axis */
  } else
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "support '%s' is not a crystalline sheet; allowed: graphene, mos2",
            support_kind_name(kind));
  double cell_x = a, cell_y = sqrt(3.0) * a;
  /* Checked as doubles before the casts: a huge -support_size would wrap the int counts. */
  PetscCheck(size[0] / cell_x < 2e9 && size[1] / cell_y < 2e9 &&
               round(size[0] / cell_x) * round(size[1] / cell_y) * n_sites < 2e9,
             PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s support: size %g × %g Å needs %.4g atoms; allowed: fewer than 2e9 (shrink -support_size)",
             support_kind_name(kind), size[0], size[1], round(size[0] / cell_x) * round(size[1] / cell_y) * n_sites);
  int repeat_x = (int)lround(size[0] / cell_x), repeat_y = (int)lround(size[1] / cell_y);
  PetscCheck(repeat_x >= 1 && repeat_y >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s support: size %g × %g Å is smaller than one %g × %g Å cell", support_kind_name(kind), size[0], size[1],
             cell_x, cell_y);
  PetscInt first = atoms->n;
  PetscCall(atom_list_reserve(atoms, atoms->n + (PetscInt)repeat_x * repeat_y * n_sites));
  for (int j = 0; j < repeat_y; j++)
    for (int i = 0; i < repeat_x; i++)
      for (int s = 0; s < n_sites; s++) {
        double r[3] = {origin[0] + (i + sites[s].fractional[0]) * cell_x,
                       origin[1] + (j + sites[s].fractional[1]) * cell_y, origin[2] + sites[s].height};
        PetscCall(atom_list_append(atoms, r, sites[s].z, object_id, ATOM_CLASS_SUPPORT));
      }
  actual_size[0] = repeat_x * cell_x;
  actual_size[1] = repeat_y * cell_y;
  actual_size[2] = thickness;
  if (first == 0) {
    PetscCall(PetscMemzero(atoms->cell, sizeof atoms->cell));
    for (int d = 0; d < 3; d++) atoms->cell[d][d] = actual_size[d];
    atoms->periodic[0] = atoms->periodic[1] = PETSC_TRUE;
    atoms->periodic[2]                      = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}
