/* crystal.c — lattices, bases, prototypes, built-in materials (crystal.h). */
#include <ctype.h>
#include <math.h>
#include "structure/crystal.h"
#include "core/elements.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* Lattice rows from cell parameters in the standard setting: a ∥ x, b in the xy plane. */
static PetscErrorCode lattice_from_cell(const char *name, const double length[3], const double angle_degrees[3],
                                        double lattice[3][3])
{
  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++) {
    PetscCheck(length[i] > 0 && isfinite(length[i]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "crystal %s: cell length %c = %g Å; must be > 0", name, "abc"[i], length[i]);
    PetscCheck(angle_degrees[i] > 0 && angle_degrees[i] < 180, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "crystal %s: cell angle %s = %g degrees; must lie in (0, 180)", name,
               i == 0   ? "alpha"
               : i == 1 ? "beta"
                        : "gamma",
               angle_degrees[i]);
  }
  const double deg = M_PI / 180.0;
  double       ca = cos(angle_degrees[0] * deg), cb = cos(angle_degrees[1] * deg), cg = cos(angle_degrees[2] * deg),
         sg = sin(angle_degrees[2] * deg);
  /* Exact zeros for right angles keep cubic cells exactly diagonal. */
  if (angle_degrees[0] == 90) ca = 0;
  if (angle_degrees[1] == 90) cb = 0;
  if (angle_degrees[2] == 90) {
    cg = 0;
    sg = 1;
  }
  double cy = (ca - cb * cg) / sg, cz2 = 1 - cb * cb - cy * cy;
  PetscCheck(cz2 > 1e-10, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "crystal %s: cell angles alpha=%g beta=%g gamma=%g degrees do not form a cell", name, angle_degrees[0],
             angle_degrees[1], angle_degrees[2]);
  double a = length[0], b = length[1], c = length[2];
  lattice[0][0] = a;
  lattice[0][1] = 0;
  lattice[0][2] = 0;
  lattice[1][0] = b * cg;
  lattice[1][1] = b * sg;
  lattice[1][2] = 0;
  lattice[2][0] = c * cb;
  lattice[2][1] = c * cy;
  lattice[2][2] = c * sqrt(cz2);
  PetscFunctionReturn(0);
}

static double determinant3(const double m[3][3])
{
  return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
         m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/* Rows b_j with a_i·b_j = δ_ij: B = (L^-1)^T, i.e. b_j = (a_k × a_l) / V. */
static void reciprocal_rows(const double lattice[3][3], double reciprocal[3][3], double *volume)
{
  double v = determinant3(lattice);
  for (int j = 0; j < 3; j++) {
    const double *p = lattice[(j + 1) % 3], *q = lattice[(j + 2) % 3];
    reciprocal[j][0] = (p[1] * q[2] - p[2] * q[1]) / v;
    reciprocal[j][1] = (p[2] * q[0] - p[0] * q[2]) / v;
    reciprocal[j][2] = (p[0] * q[1] - p[1] * q[0]) / v;
  }
  *volume = fabs(v);
}

/* The lattice holohedry: integer matrices with entries in {-1,0,1} keeping the metric
 * G = L L^T (W^T G W = G). That set holds every point operation of a reduced cubic,
 * hexagonal, tetragonal, orthorhombic, ... cell in its standard setting. */
static void lattice_point_group(Crystal *crystal)
{
  double G[3][3], scale = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) G[i][j] = dot3(crystal->lattice[i], crystal->lattice[j]);
  for (int i = 0; i < 3; i++) scale = PetscMax(scale, G[i][i]);
  crystal->npoint_operations = 0;
  int w[9];
  for (int code = 0; code < 19683; code++) {
    int c = code;
    for (int e = 0; e < 9; e++) {
      w[e] = c % 3 - 1;
      c /= 3;
    }
    int det =
      w[0] * (w[4] * w[8] - w[5] * w[7]) - w[1] * (w[3] * w[8] - w[5] * w[6]) + w[2] * (w[3] * w[7] - w[4] * w[6]);
    if (det != 1 && det != -1) continue;
    PetscBool keep = PETSC_TRUE;
    for (int i = 0; i < 3 && keep; i++)
      for (int j = 0; j < 3 && keep; j++) {
        double s = 0;
        for (int k = 0; k < 3; k++)
          for (int l = 0; l < 3; l++) s += w[3 * k + i] * G[k][l] * w[3 * l + j];
        if (fabs(s - G[i][j]) > 1e-6 * scale) keep = PETSC_FALSE;
      }
    if (!keep || crystal->npoint_operations >= CRYSTAL_MAX_POINT_OPERATIONS) continue;
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) crystal->point_operation[crystal->npoint_operations][i][j] = w[3 * i + j];
    crystal->npoint_operations++;
  }
}

PetscErrorCode crystal_create_from_cell(const char *name, const double length[3], const double angle_degrees[3],
                                        PetscInt nsites, const CrystalSite *sites, Crystal **out)
{
  Crystal *crystal;
  PetscFunctionBeginUser;
  *out = NULL;
  PetscCheck(nsites > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "crystal %s: the basis is empty; give at least one site", name);
  for (PetscInt s = 0; s < nsites; s++) {
    PetscCheck(element_from_z(sites[s].atomic_number), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "crystal %s: site %" PetscInt_FMT " has atomic number %d; allowed 1..%d", name, s,
               sites[s].atomic_number, ELEMENT_MAX_Z);
    PetscCheck(sites[s].occupancy > 0 && sites[s].occupancy <= 1 + 1e-9, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "crystal %s: site %" PetscInt_FMT " has occupancy %g; allowed (0, 1]", name, s, sites[s].occupancy);
  }
  double lattice[3][3];
  PetscCall(lattice_from_cell(name, length, angle_degrees, lattice));
  PetscCall(PetscNew(&crystal));
  PetscCall(PetscStrncpy(crystal->name, name, sizeof crystal->name));
  PetscCall(PetscArraycpy(&crystal->lattice[0][0], &lattice[0][0], 9));
  for (int i = 0; i < 3; i++) {
    crystal->length[i] = length[i];
    crystal->angle[i]  = angle_degrees[i];
  }
  reciprocal_rows(crystal->lattice, crystal->reciprocal, &crystal->cell_volume);
  crystal->nsites = nsites;
  PetscCall(PetscMalloc1(nsites, &crystal->site));
  for (PetscInt s = 0; s < nsites; s++) {
    crystal->site[s] = sites[s];
    for (int i = 0; i < 3; i++) {
      double f                       = sites[s].fractional[i] - floor(sites[s].fractional[i]);
      crystal->site[s].fractional[i] = f >= 1 - 1e-12 ? 0 : f;
    }
    if (crystal->site[s].occupancy > 1) crystal->site[s].occupancy = 1;
  }
  lattice_point_group(crystal);
  *out = crystal;
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_destroy(Crystal **crystal)
{
  PetscFunctionBeginUser;
  if (!*crystal) PetscFunctionReturn(0);
  PetscCall(PetscFree((*crystal)->site));
  PetscCall(PetscFree(*crystal));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *name;
  int         nspecies;
  PetscBool   hexagonal;
  int         nsites;
  int         species_of_site[8];
  double      fractional[8][3]; /* wurtzite anions get +u along c at run time */
} Prototype;

static const Prototype prototypes[] = {
  {"fcc", 1, PETSC_FALSE, 4, {0, 0, 0, 0}, {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}}},
  {"bcc", 1, PETSC_FALSE, 2, {0, 0}, {{0, 0, 0}, {.5, .5, .5}}},
  {"hcp", 1, PETSC_TRUE, 2, {0, 0}, {{0, 0, 0}, {1. / 3, 2. / 3, .5}}},
  {"diamond",
   1,
   PETSC_FALSE,
   8,
   {0, 0, 0, 0, 0, 0, 0, 0},
   {{0, 0, 0},
    {0, .5, .5},
    {.5, 0, .5},
    {.5, .5, 0},
    {.25, .25, .25},
    {.25, .75, .75},
    {.75, .25, .75},
    {.75, .75, .25}}},
  {"rocksalt",
   2,
   PETSC_FALSE,
   8,
   {0, 0, 0, 0, 1, 1, 1, 1},
   {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}, {.5, 0, 0}, {0, .5, 0}, {0, 0, .5}, {.5, .5, .5}}},
  {"zincblende",
   2,
   PETSC_FALSE,
   8,
   {0, 0, 0, 0, 1, 1, 1, 1},
   {{0, 0, 0},
    {0, .5, .5},
    {.5, 0, .5},
    {.5, .5, 0},
    {.25, .25, .25},
    {.25, .75, .75},
    {.75, .25, .75},
    {.75, .75, .25}}},
  {"wurtzite", 2, PETSC_TRUE, 4, {0, 0, 1, 1}, {{0, 0, 0}, {1. / 3, 2. / 3, .5}, {0, 0, 0}, {1. / 3, 2. / 3, .5}}},
};
static const char prototype_names[] = "fcc, bcc, hcp, diamond, rocksalt, zincblende, wurtzite";

static PetscErrorCode create_prototype(const char *name, const char *prototype, const int species[], double a, double c,
                                       double u, Crystal **out)
{
  const Prototype *p = NULL;
  PetscFunctionBeginUser;
  for (size_t i = 0; i < sizeof prototypes / sizeof prototypes[0]; i++) {
    PetscBool same;
    PetscCall(PetscStrcasecmp(prototype, prototypes[i].name, &same));
    if (same) p = &prototypes[i];
  }
  PetscCheck(p, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "unknown crystal prototype \"%s\"; allowed: %s", prototype,
             prototype_names);
  PetscCheck(a > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "prototype %s: lattice constant a = %g Å; must be > 0",
             prototype, a);
  CrystalSite sites[8];
  for (int s = 0; s < p->nsites; s++) {
    sites[s].atomic_number = species[p->species_of_site[s]];
    sites[s].occupancy     = 1;
    for (int i = 0; i < 3; i++) sites[s].fractional[i] = p->fractional[s][i];
    if (!strcmp(p->name, "wurtzite") && p->species_of_site[s] == 1) sites[s].fractional[2] += u;
  }
  double length[3] = {a, a, a}, angle[3] = {90, 90, 90};
  if (p->hexagonal) {
    length[2] = c > 0 ? c : a * sqrt(8.0 / 3.0);
    angle[2]  = 120;
  }
  PetscCall(crystal_create_from_cell(name, length, angle, p->nsites, sites, out));
  PetscCall(PetscStrncpy((*out)->prototype, p->name, sizeof(*out)->prototype));
  PetscFunctionReturn(0);
}

PetscErrorCode crystal_create_prototype(const char *prototype, const int species[], double a, double c, Crystal **out)
{
  PetscFunctionBeginUser;
  PetscCall(create_prototype(prototype, prototype, species, a, c, 0.375, out));
  PetscFunctionReturn(0);
}

typedef struct {
  const char *name, *prototype, *species[2];
  double      a, c, u;
} Material;

/* Room-temperature lattice constants [Å] (Wyckoff, Crystal Structures; CRC Handbook). */
static const Material materials[] = {
  {"Au", "fcc", {"Au"}, 4.07825, 0, 0},
  {"Ag", "fcc", {"Ag"}, 4.0853, 0, 0},
  {"Pt", "fcc", {"Pt"}, 3.9242, 0, 0},
  {"Pd", "fcc", {"Pd"}, 3.8907, 0, 0},
  {"Cu", "fcc", {"Cu"}, 3.6149, 0, 0},
  {"Ni", "fcc", {"Ni"}, 3.5240, 0, 0},
  {"Al", "fcc", {"Al"}, 4.0495, 0, 0},
  {"Pb", "fcc", {"Pb"}, 4.9502, 0, 0},
  {"Rh", "fcc", {"Rh"}, 3.8034, 0, 0},
  {"Ir", "fcc", {"Ir"}, 3.8390, 0, 0},
  {"Fe", "bcc", {"Fe"}, 2.8665, 0, 0},
  {"W", "bcc", {"W"}, 3.1652, 0, 0},
  {"Mo", "bcc", {"Mo"}, 3.1470, 0, 0},
  {"Cr", "bcc", {"Cr"}, 2.8848, 0, 0},
  {"Si", "diamond", {"Si"}, 5.4310, 0, 0},
  {"Ge", "diamond", {"Ge"}, 5.6579, 0, 0},
  {"C", "diamond", {"C"}, 3.5668, 0, 0},
  {"Mg", "hcp", {"Mg"}, 3.2094, 5.2108, 0},
  {"Ti", "hcp", {"Ti"}, 2.9508, 4.6855, 0},
  {"Zn", "hcp", {"Zn"}, 2.6649, 4.9468, 0},
  {"Co", "hcp", {"Co"}, 2.5071, 4.0695, 0},
  {"Ru", "hcp", {"Ru"}, 2.7059, 4.2815, 0},
  {"CdSe", "wurtzite", {"Cd", "Se"}, 4.2999, 7.0109, 0.3760},
  {"CdS", "wurtzite", {"Cd", "S"}, 4.1367, 6.7161, 0.3775},
  {"ZnO", "wurtzite", {"Zn", "O"}, 3.2496, 5.2042, 0.3819},
  {"GaN", "wurtzite", {"Ga", "N"}, 3.1890, 5.1855, 0.3770},
  {"MgO", "rocksalt", {"Mg", "O"}, 4.2117, 0, 0},
  {"NaCl", "rocksalt", {"Na", "Cl"}, 5.6402, 0, 0},
  {"ZnS", "zincblende", {"Zn", "S"}, 5.4093, 0, 0},
  {"GaAs", "zincblende", {"Ga", "As"}, 5.6533, 0, 0},
  {"CdTe", "zincblende", {"Cd", "Te"}, 6.4810, 0, 0},
};

const char *crystal_material_names(void)
{
  static char names[512];
  if (!names[0]) {
    for (size_t i = 0; i < sizeof materials / sizeof materials[0]; i++) {
      if (i) strcat(names, ",");
      strcat(names, materials[i].name);
    }
  }
  return names;
}

PetscErrorCode crystal_create_material(const char *material, Crystal **out)
{
  PetscFunctionBeginUser;
  *out = NULL;
  for (size_t i = 0; i < sizeof materials / sizeof materials[0]; i++) {
    PetscBool same;
    PetscCall(PetscStrcasecmp(material, materials[i].name, &same));
    if (!same) continue;
    const Material *m          = &materials[i];
    int             species[2] = {0, 0};
    for (int s = 0; s < 2 && m->species[s]; s++) {
      const Element *el;
      PetscCall(element_from_symbol(m->species[s], "built-in material table", &el));
      species[s] = el->z;
    }
    PetscCall(create_prototype(m->name, m->prototype, species, m->a, m->c, m->u, out));
    PetscFunctionReturn(0);
  }
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
          "Option -material: unknown material \"%s\"; allowed: %s (or a CIF file)", material, crystal_material_names());
}

void crystal_direction(const Crystal *crystal, const double uvw[3], double out[3])
{
  for (int i = 0; i < 3; i++)
    out[i] = uvw[0] * crystal->lattice[0][i] + uvw[1] * crystal->lattice[1][i] + uvw[2] * crystal->lattice[2][i];
}

void crystal_cartesian(const Crystal *crystal, const double fractional[3], double out[3])
{
  crystal_direction(crystal, fractional, out);
}

static void plane_vector(const Crystal *crystal, const int hkl[3], double g[3])
{
  for (int i = 0; i < 3; i++)
    g[i] = hkl[0] * crystal->reciprocal[0][i] + hkl[1] * crystal->reciprocal[1][i] + hkl[2] * crystal->reciprocal[2][i];
}

void crystal_plane_normal(const Crystal *crystal, const int hkl[3], double normal[3])
{
  double g[3];
  plane_vector(crystal, hkl, g);
  double length = sqrt(dot3(g, g));
  for (int i = 0; i < 3; i++) normal[i] = length > 0 ? g[i] / length : 0;
}

double crystal_d_spacing(const Crystal *crystal, const int hkl[3])
{
  double g[3];
  plane_vector(crystal, hkl, g);
  double length = sqrt(dot3(g, g));
  return length > 0 ? 1.0 / length : 0;
}

PetscErrorCode crystal_family(const Crystal *crystal, const int hkl[3], PetscInt *nmembers, int members[][3])
{
  PetscFunctionBeginUser;
  PetscCheck(hkl[0] || hkl[1] || hkl[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "crystal %s: Miller indices (000) name no plane", crystal->name);
  PetscInt n = 0;
  for (PetscInt o = 0; o < crystal->npoint_operations; o++) {
    int h[3];
    for (int j = 0; j < 3; j++)
      h[j] = hkl[0] * crystal->point_operation[o][0][j] + hkl[1] * crystal->point_operation[o][1][j] +
             hkl[2] * crystal->point_operation[o][2][j];
    PetscBool seen = PETSC_FALSE;
    for (PetscInt m = 0; m < n && !seen; m++)
      seen = members[m][0] == h[0] && members[m][1] == h[1] && members[m][2] == h[2];
    if (!seen) {
      for (int j = 0; j < 3; j++) members[n][j] = h[j];
      n++;
    }
  }
  *nmembers = n;
  PetscFunctionReturn(0);
}

double crystal_nearest_neighbour_distance(const Crystal *crystal)
{
  double best = INFINITY;
  for (PetscInt s = 0; s < crystal->nsites; s++)
    for (PetscInt t = 0; t < crystal->nsites; t++)
      for (int i = -2; i <= 2; i++)
        for (int j = -2; j <= 2; j++)
          for (int k = -2; k <= 2; k++) {
            double f[3] = {crystal->site[t].fractional[0] + i - crystal->site[s].fractional[0],
                           crystal->site[t].fractional[1] + j - crystal->site[s].fractional[1],
                           crystal->site[t].fractional[2] + k - crystal->site[s].fractional[2]};
            double r[3];
            crystal_direction(crystal, f, r);
            double d = sqrt(dot3(r, r));
            if (d > 1e-6 && d < best) best = d;
          }
  return best;
}
