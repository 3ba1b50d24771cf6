/* planar_defects.c — twins and stacking faults as piecewise affine maps of the perfect crystal
 * (planar_defects.h).
 *
 * Region r (between boundary r−1 and r along the plane normal n) holds the atoms L_r·y + t_r of
 * the perfect lattice positions y. Each defect derives the next region's map from the one below:
 *   twin at height H:  mirror M(x) = x − 2(n·x − H)n, so L' = M L, t' = M t + 2Hn
 *   fault:             t' = t + s (s the partial, or the full inter-layer vector for I1)
 * so defects compose (a fault above a twin shifts the twinned crystal). */
#include <math.h>
#include "structure/crystal_fill.h"
#include "structure/planar_defects.h"

static double dot3(const double a[3], const double b[3]) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static PetscErrorCode recompute_maps(PlanarDefects *defects);

PetscErrorCode planar_defects_create(const Crystal *crystal, const int hkl[3], const double origin[3],
                                     PlanarDefects **out)
{
  PlanarDefects *p;
  PetscFunctionBeginUser;
  *out = NULL;
  PetscCheck(hkl[0] || hkl[1] || hkl[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defects: plane (000) names no plane");
  PetscCall(PetscNew(&p));
  p->crystal = crystal;
  for (int i = 0; i < 3; i++) {
    p->hkl[i]    = hkl[i];
    p->origin[i] = origin[i];
  }
  crystal_plane_normal(crystal, hkl, p->normal);
  double d = crystal_d_spacing(crystal, hkl);
  /* Layers: planes of species-0 atoms, at heights (h·f mod 1)·d within one period d. */
  double   v[256];
  PetscInt m = 0;
  for (PetscInt s = 0; s < crystal->nsites; s++) {
    if (crystal->site[s].atomic_number != crystal->site[0].atomic_number) continue;
    const double *f = crystal->site[s].fractional;
    double        x = hkl[0] * f[0] + hkl[1] * f[1] + hkl[2] * f[2];
    x -= floor(x);
    if (x > 1 - 1e-9) x = 0;
    PetscBool seen = PETSC_FALSE;
    for (PetscInt i = 0; i < m && !seen; i++) seen = fabs(v[i] - x) < 1e-9;
    if (!seen && m < 256) v[m++] = x;
  }
  /* evenly spaced? then spacing = d/m */
  for (PetscInt i = 0; i < m; i++) {
    double k = v[i] * m;
    if (fabs(k - round(k)) > 1e-6) {
      PetscCall(PetscFree(p));
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
              "planar defects in %s: the (%d %d %d) layers are not evenly spaced; choose another plane", crystal->name,
              hkl[0], hkl[1], hkl[2]);
    }
  }
  p->spacing = d / m;
  {
    const double *f  = crystal->site[0].fractional;
    p->layer0_height = dot3(p->normal, origin) + (hkl[0] * f[0] + hkl[1] * f[1] + hkl[2] * f[2]) * d;
  }
  PetscCall(recompute_maps(p));
  *out = p;
  PetscFunctionReturn(0);
}

PetscErrorCode planar_defects_destroy(PlanarDefects **defects)
{
  PetscFunctionBeginUser;
  PetscCall(PetscFree(*defects));
  PetscFunctionReturn(0);
}

static void map_point(const double L[3][3], const double t[3], const double y[3], double x[3])
{
  for (int i = 0; i < 3; i++) x[i] = L[i][0] * y[0] + L[i][1] * y[1] + L[i][2] * y[2] + t[i];
}

/* Species-0 atoms of the mapped crystal (L, t) lying in the plane at `height` (to 1e-6 Å),
 * near the point height·n. At most `max`. */
static PetscInt layer_atoms(const PlanarDefects *p, const double L[3][3], const double t[3], double height,
                            PetscInt max, double (*x)[3])
{
  const Crystal *c = p->crystal;
  double         P[3], y[3], f[3];
  for (int i = 0; i < 3; i++) P[i] = height * p->normal[i] - t[i];
  for (int i = 0; i < 3; i++)
    y[i] = L[0][i] * P[0] + L[1][i] * P[1] + L[2][i] * P[2] - p->origin[i]; /* L orthogonal: L^-1 = L^T */
  for (int j = 0; j < 3; j++) f[j] = floor(dot3(y, c->reciprocal[j]));
  PetscInt n = 0;
  for (int i = -3; i <= 3; i++)
    for (int j = -3; j <= 3; j++)
      for (int k = -3; k <= 3; k++)
        for (PetscInt s = 0; s < c->nsites; s++) {
          if (c->site[s].atomic_number != c->site[0].atomic_number) continue;
          double g[3] = {f[0] + i + c->site[s].fractional[0], f[1] + j + c->site[s].fractional[1],
                         f[2] + k + c->site[s].fractional[2]},
                 r[3], q[3];
          crystal_cartesian(c, g, r);
          for (int d = 0; d < 3; d++) r[d] += p->origin[d];
          map_point(L, t, r, q);
          if (fabs(dot3(q, p->normal) - height) < 1e-6 && n < max) {
            for (int d = 0; d < 3; d++) x[n][d] = q[d];
            n++;
          }
        }
  return n;
}

/* Atoms of the mapped crystal (L, t), all species, with heights in (low, high] near the plane
 * point height·n (a block of ±3 cells around its pre-image). At most `max`. */
static PetscInt slab_atoms(const PlanarDefects *p, const double L[3][3], const double t[3], double centre_height,
                           double low, double high, PetscInt max, double (*x)[3])
{
  const Crystal *c = p->crystal;
  double         P[3], y[3], f[3];
  for (int i = 0; i < 3; i++) P[i] = centre_height * p->normal[i] - t[i];
  for (int i = 0; i < 3; i++) y[i] = L[0][i] * P[0] + L[1][i] * P[1] + L[2][i] * P[2] - p->origin[i];
  for (int j = 0; j < 3; j++) f[j] = floor(dot3(y, c->reciprocal[j]));
  PetscInt n = 0;
  for (int i = -3; i <= 3; i++)
    for (int j = -3; j <= 3; j++)
      for (int k = -3; k <= 3; k++)
        for (PetscInt s = 0; s < c->nsites; s++) {
          double g[3] = {f[0] + i + c->site[s].fractional[0], f[1] + j + c->site[s].fractional[1],
                         f[2] + k + c->site[s].fractional[2]},
                 r[3], q[3];
          crystal_cartesian(c, g, r);
          for (int d = 0; d < 3; d++) r[d] += p->origin[d];
          map_point(L, t, r, q);
          double h = dot3(q, p->normal);
          if (h > low && h <= high && n < max) {
            for (int d = 0; d < 3; d++) x[n][d] = q[d];
            n++;
          }
        }
  return n;
}

#define SLAB_MAX 4096

/* Bonds across a boundary at height B: pairs (lower atom of map 0 at height <= B within an
 * in-plane radius of 5 Å of the plane point, upper atom of map 1 above B) closer than 1.1 times
 * the nearest-neighbour distance; *closest gets the shortest such pair. */
static PetscErrorCode bonds_across(const PlanarDefects *p, const double L0[3][3], const double t0[3],
                                   const double L1[3][3], const double t1[3], double B, PetscInt *bonds,
                                   double *closest)
{
  double(*lower)[3], (*upper)[3];
  double nn = crystal_nearest_neighbour_distance(p->crystal), reach = 1.1 * nn;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc2(SLAB_MAX, &lower, SLAB_MAX, &upper));
  PetscInt nl        = slab_atoms(p, L0, t0, B, B - reach, B + 1e-6, SLAB_MAX, lower);
  PetscInt nu        = slab_atoms(p, L1, t1, B, B + 1e-6, B + reach, SLAB_MAX, upper);
  double   centre[3] = {B * p->normal[0], B * p->normal[1], B * p->normal[2]};
  *bonds             = 0;
  *closest           = INFINITY;
  for (PetscInt a = 0; a < nl; a++) {
    double v[3] = {lower[a][0] - centre[0], lower[a][1] - centre[1], lower[a][2] - centre[2]}, h = dot3(v, p->normal);
    if (dot3(v, v) - h * h > 25.0) continue;
    for (PetscInt b = 0; b < nu; b++) {
      double w[3] = {upper[b][0] - lower[a][0], upper[b][1] - lower[a][1], upper[b][2] - lower[a][2]},
             d    = sqrt(dot3(w, w));
      if (d < reach) (*bonds)++;
      *closest = PetscMin(*closest, d);
    }
  }
  PetscCall(PetscFree2(lower, upper));
  PetscFunctionReturn(0);
}

/* A defect is acceptable when the atoms across it keep their bulk bonding: the same number of
 * neighbour pairs across the boundary as in the perfect crystal and none closer than 0.85 of
 * the nearest-neighbour distance (a layer on a like layer puts atoms 0.816·d_nn apart in fcc
 * and ideal hcp, and breaks or adds bonds in compounds). */
static PetscErrorCode acceptable(const PlanarDefects *p, const double L0[3][3], const double t0[3],
                                 const double L1[3][3], const double t1[3], double B, PetscBool *ok)
{
  PetscInt perfect, bonds;
  double   closest, perfect_closest;
  PetscFunctionBeginUser;
  PetscCall(bonds_across(p, L0, t0, L0, t0, B, &perfect, &perfect_closest));
  PetscCall(bonds_across(p, L0, t0, L1, t1, B, &bonds, &closest));
  *ok = bonds == perfect && closest >= 0.85 * crystal_nearest_neighbour_distance(p->crystal) ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

/* Is v a translation of the crystal (every site + v lands on a like site)? */
static PetscBool is_crystal_translation(const Crystal *c, const double v[3])
{
  double fv[3];
  for (int j = 0; j < 3; j++) fv[j] = dot3(v, c->reciprocal[j]);
  for (PetscInt s = 0; s < c->nsites; s++) {
    PetscBool found = PETSC_FALSE;
    for (PetscInt u = 0; u < c->nsites && !found; u++) {
      if (c->site[u].atomic_number != c->site[s].atomic_number) continue;
      PetscBool same = PETSC_TRUE;
      for (int j = 0; j < 3; j++) {
        double e = c->site[s].fractional[j] + fv[j] - c->site[u].fractional[j];
        if (fabs(e - round(e)) > 1e-6) same = PETSC_FALSE;
      }
      found = same;
    }
    if (!found) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

#define LAYER_MAX 512

static PetscErrorCode recompute_maps(PlanarDefects *p)
{
  const Crystal *c = p->crystal;
  double         below[LAYER_MAX][3], above[LAYER_MAX][3]; /* 24 KiB on the stack: no cleanup on error paths */
  PetscFunctionBeginUser;
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 3; j++) p->linear[0][i][j] = i == j;
    p->shift[0][i] = 0;
  }
  const double *n = p->normal;
  double        d = crystal_d_spacing(c, p->hkl);
  for (PetscInt j = 0; j < p->ndefects; j++) {
    double(*L)[3] = p->linear[j], *t = p->shift[j], (*L1)[3] = p->linear[j + 1], *t1 = p->shift[j + 1];
    double      H    = p->layer0_height + p->layer[j] * p->spacing;
    const char *what = p->type[j] == PLANAR_DEFECT_TWIN       ? "twin"
                       : p->type[j] == PLANAR_DEFECT_I1_FAULT ? "I1 fault"
                                                              : "stacking fault";
    PetscBool   ok   = PETSC_FALSE;
    if (p->type[j] == PLANAR_DEFECT_TWIN) {
      double M[3][3];
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) M[a][b] = (a == b) - 2 * n[a] * n[b];
      for (int a = 0; a < 3; a++) {
        for (int b = 0; b < 3; b++) L1[a][b] = M[a][0] * L[0][b] + M[a][1] * L[1][b] + M[a][2] * L[2][b];
        t1[a] = M[a][0] * t[0] + M[a][1] * t[1] + M[a][2] * t[2] + 2 * H * n[a];
      }
      p->boundary[j] = H;
      PetscCall(acceptable(p, (const double(*)[3])L, t, (const double(*)[3])L1, t1, H, &ok));
    } else {
      PetscInt nb = layer_atoms(p, (const double(*)[3])L, t, H, LAYER_MAX, below);
      PetscInt na = layer_atoms(p, (const double(*)[3])L, t, H + p->spacing, LAYER_MAX, above);
      PetscCheck(nb > 0 && na > 0, PETSC_COMM_SELF, PETSC_ERR_PLIB,
                 "planar defects: no atoms found in layers %" PetscInt_FMT "/%" PetscInt_FMT, p->layer[j],
                 p->layer[j] + 1);
      /* the vector from a layer-k atom to the nearest (in projection) layer-(k+1) atom: its
       * in-plane part is the partial (a/6<112> in fcc), the whole of it the I1 translation */
      double v[3] = {0, 0, 0}, best = INFINITY;
      for (PetscInt a = 0; a < na; a++) {
        double w[3] = {above[a][0] - below[0][0], above[a][1] - below[0][1], above[a][2] - below[0][2]}, h = dot3(w, n),
               q[3];
        for (int e = 0; e < 3; e++) q[e] = w[e] - h * n[e];
        if (dot3(q, q) < best) {
          best = dot3(q, q);
          for (int e = 0; e < 3; e++) v[e] = p->type[j] == PLANAR_DEFECT_I1_FAULT ? w[e] : q[e];
        }
      }
      double vl[3]; /* in the perfect crystal's frame: L^T v */
      for (int e = 0; e < 3; e++) vl[e] = L[0][e] * v[0] + L[1][e] * v[1] + L[2][e] * v[2];
      PetscCheck(
        !is_crystal_translation(c, vl), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "%s at layer %" PetscInt_FMT
        " of %s (%d %d %d): the shift is a translation of the crystal, so it makes no fault (I1 faults need hexagonal stacking; use a stacking fault)",
        what, p->layer[j], c->name, p->hkl[0], p->hkl[1], p->hkl[2]);
      /* candidate cuts: the gaps between atomic planes (all species) over layer k, widest first */
      double heights[128];
      int    nh     = 0;
      heights[nh++] = 0;
      heights[nh++] = p->spacing;
      for (PetscInt s = 0; s < c->nsites && nh < 126; s++) {
        double r[3], q[3];
        crystal_cartesian(c, c->site[s].fractional, r);
        for (int a = 0; a < 3; a++) r[a] += p->origin[a];
        map_point((const double(*)[3])L, t, r, q);
        double h = fmod(dot3(q, n) - H, d);
        if (h < 0) h += d;
        if (h > 1e-9 && h < p->spacing - 1e-9) heights[nh++] = h;
      }
      for (int a = 1; a < nh; a++)
        for (int b = a; b > 0 && heights[b] < heights[b - 1]; b--) {
          double tmp     = heights[b];
          heights[b]     = heights[b - 1];
          heights[b - 1] = tmp;
        }
      double cuts[128], widths[128];
      int    ncuts = 0;
      for (int a = 0; a + 1 < nh; a++)
        if (heights[a + 1] - heights[a] > 1e-6) {
          cuts[ncuts]     = 0.5 * (heights[a] + heights[a + 1]);
          widths[ncuts++] = heights[a + 1] - heights[a];
        }
      for (int a = 1; a < ncuts; a++)
        for (int b = a; b > 0 && widths[b] > widths[b - 1] + 1e-9; b--) {
          double tmp    = widths[b];
          widths[b]     = widths[b - 1];
          widths[b - 1] = tmp;
          tmp           = cuts[b];
          cuts[b]       = cuts[b - 1];
          cuts[b - 1]   = tmp;
        }
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++) L1[a][b] = L[a][b];
      for (int cut = 0; cut < ncuts && !ok; cut++)
        for (int sign = 1; sign >= -1 && !ok; sign -= 2) {
          for (int a = 0; a < 3; a++) t1[a] = t[a] + sign * v[a];
          p->boundary[j] = H + cuts[cut];
          PetscCall(acceptable(p, (const double(*)[3])L, t, (const double(*)[3])L1, t1, p->boundary[j], &ok));
        }
    }
    PetscCheck(
      ok, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "%s at layer %" PetscInt_FMT
      " of %s (%d %d %d): every choice puts a layer on a like layer or breaks bonds across the plane (not a valid defect in this structure)",
      what, p->layer[j], c->name, p->hkl[0], p->hkl[1], p->hkl[2]);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode planar_defects_add(PlanarDefects *p, PlanarDefectType type, PetscInt layer)
{
  PetscFunctionBeginUser;
  PetscCheck(type == PLANAR_DEFECT_TWIN || type == PLANAR_DEFECT_STACKING_FAULT || type == PLANAR_DEFECT_I1_FAULT,
             PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defect type %d; allowed: twin (1), stacking fault (2), I1 fault (3)", (int)type);
  PetscCheck(p->ndefects < PLANAR_DEFECTS_MAX, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "more than %d planar defects in one particle", PLANAR_DEFECTS_MAX);
  PetscInt at = p->ndefects;
  for (PetscInt j = 0; j < p->ndefects; j++) {
    PetscCheck(p->layer[j] != layer, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "two planar defects on layer %" PetscInt_FMT "; one defect per layer", layer);
    if (p->layer[j] > layer && at == p->ndefects) at = j;
  }
  for (PetscInt j = p->ndefects; j > at; j--) {
    p->layer[j] = p->layer[j - 1];
    p->type[j]  = p->type[j - 1];
  }
  p->layer[at] = layer;
  p->type[at]  = type;
  p->ndefects++;
  PetscErrorCode ierr = recompute_maps(p);
  if (ierr) { /* undo, keep the object consistent */
    for (PetscInt j = at; j + 1 < p->ndefects; j++) {
      p->layer[j] = p->layer[j + 1];
      p->type[j]  = p->type[j + 1];
    }
    p->ndefects--;
    PetscCall(recompute_maps(p));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode planar_defects_layer_range(const PlanarDefects *p, const Volume *volume, PetscInt *lowest,
                                          PetscInt *highest)
{
  AtomList *atoms;
  PetscFunctionBeginUser;
  PetscCall(atom_list_create(0, &atoms));
  PetscCall(crystal_fill(p->crystal, volume, p->origin, 0, ATOM_CLASS_PARTICLE, atoms));
  PetscCheck(atoms->n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "planar defects: the particle holds no atoms");
  PetscInt lo = PETSC_MAX_INT, hi = PETSC_MIN_INT;
  for (PetscInt a = 0; a < atoms->n; a++) {
    if (atoms->atomic_number[a] != p->crystal->site[0].atomic_number) continue;
    double   k     = (dot3(atoms->position[a], p->normal) - p->layer0_height) / p->spacing;
    PetscInt layer = (PetscInt)floor(k + 0.5);
    if (fabs(k - layer) > 1e-4) continue;
    lo = PetscMin(lo, layer);
    hi = PetscMax(hi, layer);
  }
  PetscCall(atom_list_destroy(&atoms));
  PetscCheck(lo <= hi, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defects: the particle holds no layer of the defect planes");
  *lowest  = lo;
  *highest = hi;
  PetscFunctionReturn(0);
}

PetscErrorCode planar_defects_place_random(PlanarDefects *p, const Volume *volume, RngStream *rng, PetscInt count,
                                           double fault_fraction, PlanarDefectType fault_type, PetscInt min_separation)
{
  PetscInt lo, hi;
  PetscFunctionBeginUser;
  PetscCheck(count >= 0 && count <= PLANAR_DEFECTS_MAX, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defects: count %" PetscInt_FMT "; allowed 0..%d", count, PLANAR_DEFECTS_MAX);
  PetscCheck(fault_fraction >= 0 && fault_fraction <= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defects: fault fraction %g; allowed [0, 1]", fault_fraction);
  PetscCheck(fault_type == PLANAR_DEFECT_STACKING_FAULT || fault_type == PLANAR_DEFECT_I1_FAULT, PETSC_COMM_SELF,
             PETSC_ERR_USER_INPUT, "planar defects: fault type must be a stacking fault or an I1 fault");
  PetscCheck(min_separation >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "planar defects: minimum separation %" PetscInt_FMT " layers; must be >= 1", min_separation);
  if (!count) PetscFunctionReturn(0);
  PetscCall(planar_defects_layer_range(p, volume, &lo, &hi));
  PetscInt slots = hi - lo - 1; /* interior layers lo+1 .. hi-1 */
  PetscInt need  = (count - 1) * min_separation + 1;
  PetscCheck(slots >= need, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-twins + -stacking_faults: %" PetscInt_FMT " planar defects at least %" PetscInt_FMT
             " layers apart (-defect_separation) need %" PetscInt_FMT
             " interior layers; the particle has %" PetscInt_FMT " (layers %" PetscInt_FMT "..%" PetscInt_FMT ")",
             count, min_separation, need, PetscMax(slots, 0), lo, hi);
  /* Uniform over valid arrangements: choose `count` of the reduced slots (selection sampling,
   * Knuth's algorithm S), then spread them by (min_separation − 1) each. */
  PetscInt reduced = slots - (count - 1) * (min_separation - 1), chosen = 0;
  PetscInt layers[PLANAR_DEFECTS_MAX];
  for (PetscInt i = 0; i < reduced && chosen < count; i++)
    if ((double)(reduced - i) * rng_uniform(rng) < (double)(count - chosen)) {
      layers[chosen] = lo + 1 + i + chosen * (min_separation - 1);
      chosen++;
    }
  for (PetscInt i = 0; i < count; i++) {
    PlanarDefectType type = rng_uniform(rng) < fault_fraction ? fault_type : PLANAR_DEFECT_TWIN;
    PetscCall(planar_defects_add(p, type, layers[i]));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode planar_defects_fill(const PlanarDefects *p, const Volume *volume, int object_id, AtomClass atom_class,
                                   AtomList *atoms)
{
  const Crystal *c = p->crystal;
  double         lower[3], upper[3];
  PetscFunctionBeginUser;
  PetscCall(volume_bounding_box(volume, lower, upper)); /* unbounded or empty: the caller's error */
  for (PetscInt r = 0; r <= p->ndefects; r++) {
    Volume *slab;
    PetscCall(volume_duplicate(volume, &slab));
    /* region r: boundary[r-1] < n·x <= boundary[r]; atoms on a twin plane belong below */
    if (r > 0)
      PetscCall(volume_add_plane_at_distance(slab, (double[3]){-p->normal[0], -p->normal[1], -p->normal[2]},
                                             -p->boundary[r - 1] - 2 * VOLUME_TOLERANCE));
    if (r < p->ndefects) PetscCall(volume_add_plane_at_distance(slab, p->normal, p->boundary[r]));
    PetscErrorCode ierr;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = volume_bounding_box(slab, lower, upper);
    PetscCall(PetscPopErrorHandler());
    if (ierr) { /* this region misses the particle */
      PetscCall(volume_destroy(&slab));
      continue;
    }
    /* Fill the pre-image of the slab (a rigid motion of it) with the perfect crystal, then
     * move the new atoms forward: x = L y + t. */
    const double(*L)[3] = (const double(*)[3])p->linear[r], *t = p->shift[r];
    double Lt[3][3], back[3];
    for (int i = 0; i < 3; i++)
      for (int j = 0; j < 3; j++) Lt[i][j] = L[j][i];
    for (int i = 0; i < 3; i++) back[i] = -(Lt[i][0] * t[0] + Lt[i][1] * t[1] + Lt[i][2] * t[2]);
    PetscCall(volume_transform(slab, (const double(*)[3])Lt, back));
    PetscInt first = atoms->n;
    PetscCall(crystal_fill(c, slab, p->origin, object_id, atom_class, atoms));
    for (PetscInt a = first; a < atoms->n; a++) {
      double y[3] = {atoms->position[a][0], atoms->position[a][1], atoms->position[a][2]};
      map_point(L, t, y, atoms->position[a]);
    }
    PetscCall(volume_destroy(&slab));
  }
  PetscFunctionReturn(0);
}
