/* structure_picture.c — a PNG of a structure seen along the beam and from the side, so a
 * user can see what was built (declared in structure_io.h). */
#include <math.h>
#include <stdlib.h>
#include "core/picture.h"
#include "structure/structure_io.h"

typedef struct {
  double   depth;
  PetscInt atom;
} DepthEntry;

static int compare_depth(const void *a, const void *b)
{
  const DepthEntry *x = a, *y = b;
  if (x->depth != y->depth) return x->depth > y->depth ? -1 : 1; /* larger depth = farther: drawn first */
  return x->atom < y->atom ? -1 : x->atom > y->atom;
}

static void class_colour(int atom_class, double colour[3])
{
  static const double particle[3] = {212, 170, 40}, support[3] = {150, 150, 150}, other[3] = {60, 100, 210};
  const double *c = atom_class == ATOM_CLASS_PARTICLE ? particle : atom_class == ATOM_CLASS_SUPPORT ? support : other;
  for (int k = 0; k < 3; k++) colour[k] = c[k];
}

/* Draw the atoms projected on axes (u, v) of one panel, viewer on the low side of `w`. */
static void draw_panel(unsigned char *pixels, int width, int panel_x, int panel_width, int height,
                       const AtomList *atoms, DepthEntry *order, int u, int v, int w, double toward_viewer,
                       const double low[3], double scale)
{
  for (PetscInt i = 0; i < atoms->n; i++) {
    order[i].atom  = i;
    order[i].depth = -toward_viewer * atoms->position[i][w]; /* sorted far first */
  }
  qsort(order, (size_t)atoms->n, sizeof *order, compare_depth);
  for (PetscInt k = 0; k < atoms->n; k++) {
    PetscInt i = order[k].atom;
    double   colour[3];
    class_colour(atoms->atom_class[i], colour);
    /* Heavier atoms are drawn larger: about their covalent radii. */
    double radius = (atoms->atomic_number[i] > 20 ? 1.35 : atoms->atomic_number[i] > 10 ? 1.1 : 0.75) * scale;
    if (radius < 1.0) radius = 1.0;
    double cx = panel_x + 8 + (atoms->position[i][u] - low[u]) * scale;
    double cy = height - 8 - (atoms->position[i][v] - low[v]) * scale; /* v grows upwards */
    int    x0 = (int)floor(cx - radius), x1 = (int)ceil(cx + radius), y0 = (int)floor(cy - radius),
        y1 = (int)ceil(cy + radius);
    for (int y = PetscMax(y0, 0); y <= PetscMin(y1, height - 1); y++)
      for (int x = PetscMax(x0, panel_x); x <= PetscMin(x1, panel_x + panel_width - 1); x++) {
        double dx = (x + 0.5 - cx) / radius, dy = (y + 0.5 - cy) / radius, r2 = dx * dx + dy * dy;
        if (r2 > 1) continue;
        /* a sphere lit from the upper left */
        double shade = 0.55 + 0.45 * sqrt(1 - r2) - 0.15 * (dx + dy) * 0.5;
        shade        = shade < 0.2 ? 0.2 : shade > 1.15 ? 1.15 : shade;
        for (int c = 0; c < 3; c++) {
          double value                            = colour[c] * shade;
          pixels[((size_t)y * width + x) * 3 + c] = (unsigned char)(value > 255 ? 255 : value);
        }
      }
  }
}

PetscErrorCode structure_write_picture(const char *path, const AtomList *atoms, int height)
{
  double         low[3], high[3], extent[3];
  unsigned char *pixels;
  DepthEntry    *order;
  PetscFunctionBeginUser;
  PetscCheck(height >= 32 && height <= 8192, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "picture '%s': height %d pixels; allowed 32..8192", path, height);
  if (!atom_list_bounds(atoms, low, high))
    for (int d = 0; d < 3; d++) low[d] = 0, high[d] = 1;
  for (int d = 0; d < 3; d++) {
    low[d] -= 1.5;
    high[d] += 1.5;
    extent[d] = high[d] - low[d];
  }
  /* One scale for both panels so sizes compare; the taller of y and z fits the height. */
  double scale       = (height - 16) / PetscMax(extent[1], extent[2]);
  int    panel_width = (int)ceil(extent[0] * scale) + 16;
  int    width       = 2 * panel_width + 4;
  PetscCheck((double)width * height <= 64e6, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "picture '%s': %d × %d pixels is too large (structure %g Å wide, %g Å high)", path, width, height,
             extent[0], PetscMax(extent[1], extent[2]));
  PetscCall(PetscMalloc1((size_t)width * height * 3, &pixels));
  PetscCall(PetscMalloc1(atoms->n + 1, &order));
  for (size_t k = 0; k < (size_t)width * height * 3; k++) pixels[k] = 255;
  for (int y = 0; y < height; y++)
    for (int x = panel_width; x < panel_width + 4; x++)
      for (int c = 0; c < 3; c++) pixels[((size_t)y * width + x) * 3 + c] = 60;
  /* Along the beam axis, seen from high z: a particle on top of its support stays visible. */
  draw_panel(pixels, width, 0, panel_width, height, atoms, order, 0, 1, 2, +1.0, low, scale);
  /* Side view: x across, z up; the viewer stands at low y. */
  draw_panel(pixels, width, panel_width + 4, panel_width, height, atoms, order, 0, 2, 1, -1.0, low, scale);
  PetscErrorCode ierr = picture_write_png(path, width, height, 3, pixels);
  PetscCall(PetscFree(pixels));
  PetscCall(PetscFree(order));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}
