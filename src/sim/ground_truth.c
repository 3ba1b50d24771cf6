/* ground_truth.c — masks of atom classes from their projected potential (see ground_truth.h). */
#include <math.h>
#include <string.h>
#include "sim/ground_truth.h"
#include "sim/potential.h"
#include "core/timing.h"

PetscErrorCode ground_truth_options_read(PetscOptionItems *PetscOptionsObject, GroundTruthOptions *o)
{
  PetscFunctionBeginUser;
  o->threshold      = 5.0;
  o->closing_radius = 1.5;
  o->fill_holes     = PETSC_TRUE;
  PetscCall(PetscOptionsReal(
    "-mask_threshold", "Ground truth: projected potential of the particle atoms above which a pixel is particle [V·Å]",
    NULL, o->threshold, &o->threshold, NULL));
  PetscCall(PetscOptionsReal("-mask_closing",
                             "Ground truth: radius of the disk closing the mask into a solid region [Å] (0 = none)",
                             NULL, o->closing_radius, &o->closing_radius, NULL));
  PetscCall(PetscOptionsBool("-mask_fill_holes", "Ground truth: fill holes of the mask", NULL, o->fill_holes,
                             &o->fill_holes, NULL));
  PetscCheck(o->threshold > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-mask_threshold %g is not allowed: use a potential > 0 [V·Å]", o->threshold);
  PetscCheck(o->closing_radius >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "-mask_closing %g is not allowed: use a radius >= 0 [Å]", o->closing_radius);
  PetscFunctionReturn(0);
}

/* One-dimensional squared distance transform of f (0 or "infinity") with scale w² per index
 * step (Felzenszwalb & Huttenlocher 2012, lower envelope of parabolas). */
static void distance_1d(PetscInt n, const double *f, double w2, double *d, PetscInt *v, double *z)
{
  PetscInt k = -1;
  for (PetscInt q = 0; q < n; q++) {
    if (!isfinite(f[q])) continue; /* only set pixels carry a parabola */
    if (k < 0) {
      k    = 0;
      v[0] = q;
      z[0] = -INFINITY;
      z[1] = INFINITY;
      continue;
    }
    double s;
    for (;;) { /* z[0] = -inf ends the loop at k = 0 */
      PetscInt p = v[k];
      s          = ((f[q] + w2 * q * q) - (f[p] + w2 * p * p)) / (2.0 * w2 * (q - p));
      if (s <= z[k])
        k--;
      else
        break;
    }
    k++;
    v[k]     = q;
    z[k]     = s;
    z[k + 1] = INFINITY;
  }
  if (k < 0) {
    for (PetscInt q = 0; q < n; q++) d[q] = INFINITY;
    return;
  }
  k = 0;
  for (PetscInt q = 0; q < n; q++) {
    while (z[k + 1] < q) k++;
    d[q] = w2 * (double)(q - v[k]) * (q - v[k]) + f[v[k]];
  }
}

/* distance²[ny][nx] (in units where one x step is wx and one y step is wy) to the nearest pixel
 * with mask == value. */
static PetscErrorCode distance_squared(PetscInt nx, PetscInt ny, const unsigned char *mask, unsigned char value,
                                       double wx, double wy, double *out)
{
  PetscInt n = PetscMax(nx, ny), *v;
  double  *f, *d, *z;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc4(n, &f, n, &d, n, &v, n + 1, &z));
  for (PetscInt j = 0; j < ny; j++) {
    for (PetscInt i = 0; i < nx; i++) f[i] = mask[j * nx + i] == value ? 0.0 : INFINITY;
    distance_1d(nx, f, wx * wx, d, v, z);
    for (PetscInt i = 0; i < nx; i++) out[j * nx + i] = d[i];
  }
  for (PetscInt i = 0; i < nx; i++) {
    for (PetscInt j = 0; j < ny; j++) f[j] = out[j * nx + i];
    distance_1d(ny, f, wy * wy, d, v, z);
    for (PetscInt j = 0; j < ny; j++) out[j * nx + i] = d[j];
  }
  PetscCall(PetscFree4(f, d, v, z));
  PetscFunctionReturn(0);
}

PetscErrorCode ground_truth_close(PetscInt nx, PetscInt ny, double radius_x, double radius_y, unsigned char *mask)
{
  double *dist;
  PetscFunctionBeginUser;
  if (radius_x <= 0 || radius_y <= 0) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(nx * ny, &dist));
  /* Work in units of the radius: an ellipse in pixels becomes the unit disk. */
  double wx = 1.0 / radius_x, wy = 1.0 / radius_y;
  PetscCall(distance_squared(nx, ny, mask, 1, wx, wy, dist));
  for (PetscInt p = 0; p < nx * ny; p++) mask[p] = dist[p] <= 1.0 + 1e-12; /* dilation */
  PetscCall(distance_squared(nx, ny, mask, 0, wx, wy, dist));
  for (PetscInt p = 0; p < nx * ny; p++)
    mask[p] = mask[p] && dist[p] > 1.0 + 1e-12; /* erosion; outside the image counts as set */
  PetscCall(PetscFree(dist));
  PetscFunctionReturn(0);
}

PetscErrorCode ground_truth_fill_holes(PetscInt nx, PetscInt ny, unsigned char *mask)
{
  PetscInt      *stack, top = 0;
  unsigned char *reached;
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(nx * ny, &stack));
  PetscCall(PetscCalloc1(nx * ny, &reached));
  for (PetscInt j = 0; j < ny; j++)
    for (PetscInt i = 0; i < nx; i++)
      if ((i == 0 || j == 0 || i == nx - 1 || j == ny - 1) && !mask[j * nx + i] && !reached[j * nx + i]) {
        reached[j * nx + i] = 1;
        stack[top++]        = j * nx + i;
      }
  while (top > 0) {
    PetscInt       p = stack[--top], i = p % nx, j = p / nx;
    const PetscInt neighbour[4] = {i > 0 ? p - 1 : -1, i < nx - 1 ? p + 1 : -1, j > 0 ? p - nx : -1,
                                   j < ny - 1 ? p + nx : -1};
    for (int k = 0; k < 4; k++)
      if (neighbour[k] >= 0 && !mask[neighbour[k]] && !reached[neighbour[k]]) {
        reached[neighbour[k]] = 1;
        stack[top++]          = neighbour[k];
      }
  }
  for (PetscInt p = 0; p < nx * ny; p++)
    if (!mask[p] && !reached[p]) mask[p] = 1;
  PetscCall(PetscFree(stack));
  PetscCall(PetscFree(reached));
  PetscFunctionReturn(0);
}

PetscErrorCode ground_truth_mask_from_potential(PetscInt nx, PetscInt ny, const double pixel[2], const float *potential,
                                                const GroundTruthOptions *o, unsigned char *mask)
{
  PetscFunctionBeginUser;
  for (PetscInt p = 0; p < nx * ny; p++) mask[p] = potential[p] > o->threshold;
  /* Closing first bridges the gaps between columns; filling then removes enclosed holes. */
  PetscCall(ground_truth_close(nx, ny, o->closing_radius / pixel[0], o->closing_radius / pixel[1], mask));
  if (o->fill_holes) PetscCall(ground_truth_fill_holes(nx, ny, mask));
  PetscFunctionReturn(0);
}

PetscErrorCode ground_truth_mask(const SimulationGrid *grid, const AtomList *atoms, AtomClass atom_class,
                                 const GroundTruthOptions *o, const DetectorGeometry *g, unsigned char *mask)
{
  PetscBool *include;
  float     *field;
  PetscInt   count = 0;
  PetscFunctionBeginUser;
  PetscCall(PetscLogEventBegin(NF_EVENT_MASK, 0, 0, 0, 0));
  PetscCall(PetscMalloc1(PetscMax(atoms->n, 1), &include));
  for (PetscInt a = 0; a < atoms->n; a++)
    count += (include[a] = atoms->atom_class[a] == atom_class ? PETSC_TRUE : PETSC_FALSE);
  if (!count) {
    PetscCall(PetscArrayzero(mask, g->nx * g->ny));
  } else {
    /* The potential is computed directly on the detector pixels (a copy of the grid with the
     * detector sampling): band-limited at the detector's own Nyquist, so no Fourier ringing of
     * the sharp simulation-grid potential leaks far from the atoms. */
    SimulationGrid detector_grid = *grid;
    detector_grid.nx             = g->field_nx;
    detector_grid.ny             = g->field_ny;
    detector_grid.sampling[0]    = g->pixel[0];
    detector_grid.sampling[1]    = g->pixel[1];
    PetscCall(PetscMalloc1(g->field_nx * g->field_ny, &field));
    PetscCall(projected_potential_compute(&detector_grid, atoms, include, field));
    unsigned char *whole;
    PetscCall(PetscMalloc1(g->field_nx * g->field_ny, &whole));
    /* Close on the whole field, then crop: the crop must not cut the closing. */
    PetscCall(ground_truth_mask_from_potential(g->field_nx, g->field_ny, g->pixel, field, o, whole));
    for (PetscInt j = 0; j < g->ny; j++)
      memcpy(mask + j * g->nx, whole + (j + g->offset[1]) * g->field_nx + g->offset[0], g->nx);
    PetscCall(PetscFree(whole));
    PetscCall(PetscFree(field));
  }
  PetscCall(PetscFree(include));
  PetscCall(PetscLogEventEnd(NF_EVENT_MASK, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode ground_truth_labels(const SimulationGrid *grid, const AtomList *atoms, const GroundTruthOptions *o,
                                   const DetectorGeometry *g, unsigned char *labels)
{
  unsigned char  *mask;
  const AtomClass order[3] = {ATOM_CLASS_SUPPORT, ATOM_CLASS_OTHER, ATOM_CLASS_PARTICLE}; /* later wins */
  PetscFunctionBeginUser;
  PetscCall(PetscMalloc1(g->nx * g->ny, &mask));
  PetscCall(PetscArrayzero(labels, g->nx * g->ny));
  for (int c = 0; c < 3; c++) {
    PetscCall(ground_truth_mask(grid, atoms, order[c], o, g, mask));
    for (PetscInt p = 0; p < g->nx * g->ny; p++)
      if (mask[p]) labels[p] = (unsigned char)order[c];
  }
  PetscCall(PetscFree(mask));
  PetscFunctionReturn(0);
}
