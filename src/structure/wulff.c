/* wulff.c — Wulff and Winterbottom shapes from surface energies (wulff.h).
 *
 * Wulff: facet (hkl) at distance λ·γ_hkl from the centre; Winterbottom adds the interface
 * plane at λ·(γ_interface − γ_support). λ follows from the equivalent-sphere radius:
 * the measure scales as λ³. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include "structure/crystal_fill.h"
#include "structure/wulff.h"

/* Miller indices written "111", "1-10", "-1-12" (single digits) or "1,-1,0" / "10 0 1". */
static PetscErrorCode parse_indices(const char *text, size_t length, const char *where, const char *item, int hkl[3])
{
  char buffer[64];
  PetscFunctionBeginUser;
  PetscCheck(length > 0 && length < sizeof buffer, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s: Miller indices missing in \"%s\"", where, item);
  memcpy(buffer, text, length);
  buffer[length] = 0;
  int n          = 0;
  if (strchr(buffer, ',') || strchr(buffer, ' ')) {
    char *p = buffer;
    while (*p && n < 4) {
      while (*p == ',' || *p == ' ') p++;
      if (!*p) break;
      char *end;
      long  v = strtol(p, &end, 10);
      PetscCheck(end != p, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: bad Miller indices \"%s\" in \"%s\"", where,
                 buffer, item);
      if (n < 3) hkl[n] = (int)v;
      n++;
      p = end;
    }
  } else {
    for (const char *p = buffer; *p; p++) {
      int sign = 1;
      if (*p == '-') {
        sign = -1;
        p++;
      }
      PetscCheck(isdigit((unsigned char)*p), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "%s: bad Miller indices \"%s\" in \"%s\" (write {111}, {1-10} or {1,-1,0})", where, buffer, item);
      if (n < 3) hkl[n] = sign * (*p - '0');
      n++;
    }
  }
  PetscCheck(n == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: \"%s\" in \"%s\" is not three Miller indices", where,
             buffer, item);
  PetscCheck(hkl[0] || hkl[1] || hkl[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: {000} in \"%s\" names no plane",
             where, item);
  PetscFunctionReturn(0);
}

PetscErrorCode wulff_parse_energies(const char *spec, const char *where, PetscInt *nfamilies,
                                    SurfaceEnergy families[PARTICLE_SHAPE_MAX_FAMILIES])
{
  PetscFunctionBeginUser;
  PetscCheck(spec && *spec, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "%s: empty surface-energy list; write e.g. {111}:1.0,{100}:1.15", where);
  const char *p = spec;
  PetscInt    n = 0;
  while (*p) {
    while (*p == ' ' || *p == ',') p++;
    if (!*p) break;
    const char *start = p, *indices, *colon;
    size_t      length;
    if (*p == '{') {
      const char *close = strchr(p, '}');
      PetscCheck(close, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: unclosed '{' in \"%s\"", where, spec);
      indices = p + 1;
      length  = (size_t)(close - indices);
      colon   = close + 1;
    } else {
      colon = strchr(p, ':');
      PetscCheck(colon, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "%s: \"%s\" lacks ':energy' (write e.g. {111}:1.0,{100}:1.15)", where, p);
      indices = p;
      length  = (size_t)(colon - p);
    }
    PetscCheck(*colon == ':', PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s: \"%s\" lacks ':energy' (write e.g. {111}:1.0,{100}:1.15)", where, start);
    PetscCheck(n < PARTICLE_SHAPE_MAX_FAMILIES, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s: more than %d facet families in \"%s\"", where, PARTICLE_SHAPE_MAX_FAMILIES, spec);
    PetscCall(parse_indices(indices, length, where, spec, families[n].hkl));
    char  *end;
    double energy = strtod(colon + 1, &end);
    PetscCheck(end != colon + 1 && (*end == 0 || *end == ',' || *end == ' '), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s: bad energy after \"%.*s\" in \"%s\"", where, (int)(colon + 1 - start), start, spec);
    PetscCheck(energy > 0 && isfinite(energy), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "%s: surface energy %g for {%d %d %d}; energies must be > 0", where, energy, families[n].hkl[0],
               families[n].hkl[1], families[n].hkl[2]);
    families[n].energy = energy;
    n++;
    p = end;
  }
  PetscCheck(n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: no facet families in \"%s\"", where, spec);
  *nfamilies = n;
  PetscFunctionReturn(0);
}

/* The shape with scale λ, centred on `centre`. */
static PetscErrorCode build(const Crystal *crystal, PetscInt nfamilies, const SurfaceEnergy *families,
                            const WulffTruncation *truncation, double lambda, const double centre[3], Volume **shape)
{
  PetscFunctionBeginUser;
  for (PetscInt f = 0; f < nfamilies; f++) {
    PetscCheck(families[f].energy > 0 && isfinite(families[f].energy), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Wulff shape: surface energy %g for {%d %d %d}; energies must be > 0", families[f].energy,
               families[f].hkl[0], families[f].hkl[1], families[f].hkl[2]);
    PetscCheck(families[f].hkl[0] || families[f].hkl[1] || families[f].hkl[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Wulff shape: family {000} names no plane");
  }
  if (truncation)
    PetscCheck(isfinite(truncation->energy_difference) &&
                 (truncation->hkl[0] || truncation->hkl[1] || truncation->hkl[2]),
               PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Winterbottom truncation: facet (%d %d %d) with energy difference %g; needs a plane and a finite value",
               truncation->hkl[0], truncation->hkl[1], truncation->hkl[2], truncation->energy_difference);
  PetscCall(volume_create(shape));
  for (PetscInt f = 0; f < nfamilies; f++)
    PetscCall(
      volume_add_miller_family(*shape, crystal, families[f].hkl, lambda * families[f].energy, centre, PETSC_FALSE));
  if (truncation)
    PetscCall(volume_add_miller_plane(*shape, crystal, truncation->hkl, lambda * truncation->energy_difference, centre,
                                      PETSC_FALSE));
  PetscFunctionReturn(0);
}

PetscErrorCode particle_shape_wulff(const Crystal *crystal, PetscInt nfamilies, const SurfaceEnergy *families,
                                    const WulffTruncation *truncation, double radius, const double centre[3],
                                    Volume **shape)
{
  Volume  *unit;
  double   measure;
  PetscInt nvertices;
  double(*vertices)[3];
  PetscFunctionBeginUser;
  *shape = NULL;
  PetscCheck(nfamilies > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Wulff shape: no facet families given");
  PetscCheck(radius > 0 && isfinite(radius), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Wulff shape: equivalent radius %g Å; must be > 0", radius);
  PetscCall(build(crystal, nfamilies, families, truncation, 1.0, (double[3]){0, 0, 0}, &unit));
  PetscErrorCode ierr;
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  ierr = volume_polyhedron_vertices(unit, &nvertices, &vertices);
  PetscCall(PetscPopErrorHandler());
  if (ierr) {
    PetscCall(volume_destroy(&unit));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
            "Wulff shape of %s: the facet families given (%" PetscInt_FMT
            " families%s) do not enclose a finite particle; add families that close it (e.g. {111} and {100})%s",
            crystal->name, nfamilies, truncation ? " and the interface plane" : "",
            truncation
              ? ", or raise the interface energy difference (it must exceed minus the surface energy of that facet)"
              : "");
  }
  PetscCall(PetscFree(vertices));
  PetscCall(volume_polyhedron_measure(unit, &measure));
  PetscCall(volume_destroy(&unit));
  PetscCheck(measure > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Wulff shape of %s has zero volume (complete wetting?)", crystal->name);
  double lambda = radius * cbrt(4.0 * M_PI / (3.0 * measure));
  PetscCall(build(crystal, nfamilies, families, truncation, lambda, centre, shape));
  PetscFunctionReturn(0);
}

PetscErrorCode particle_shape_wulff_atoms(const Crystal *crystal, PetscInt nfamilies, const SurfaceEnergy *families,
                                          const WulffTruncation *truncation, PetscInt natoms, const double centre[3],
                                          Volume **shape, double *radius)
{
  PetscFunctionBeginUser;
  PetscCheck(natoms >= 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Wulff shape: %" PetscInt_FMT " atoms requested; must be >= 1", natoms);
  double atom_volume = crystal->cell_volume / crystal->nsites, lo = 0,
         hi         = cbrt(3 * natoms * atom_volume / (4 * M_PI)) + 1;
  PetscInt count_hi = 0, count_lo = 0;
  for (int grow = 0;; grow++) {
    Volume *v;
    PetscCall(particle_shape_wulff(crystal, nfamilies, families, truncation, hi, centre, &v));
    PetscCall(crystal_fill_count(crystal, v, centre, &count_hi));
    PetscCall(volume_destroy(&v));
    if (count_hi >= natoms) break;
    PetscCheck(grow < 60, PETSC_COMM_SELF, PETSC_ERR_LIB, "Wulff shape: cannot reach %" PetscInt_FMT " atoms", natoms);
    lo = hi;
    hi *= 1.5;
  }
  /* smallest radius reaching natoms, to 1e-6 Å */
  while (hi - lo > 1e-6) {
    double   mid = 0.5 * (lo + hi);
    Volume  *v;
    PetscInt count;
    PetscCall(particle_shape_wulff(crystal, nfamilies, families, truncation, mid, centre, &v));
    PetscCall(crystal_fill_count(crystal, v, centre, &count));
    PetscCall(volume_destroy(&v));
    if (count >= natoms) {
      hi       = mid;
      count_hi = count;
    } else {
      lo       = mid;
      count_lo = count;
    }
  }
  double best = (lo > 0 && natoms - count_lo < count_hi - natoms) ? lo : hi;
  PetscCall(particle_shape_wulff(crystal, nfamilies, families, truncation, best, centre, shape));
  if (radius) *radius = best;
  PetscFunctionReturn(0);
}
