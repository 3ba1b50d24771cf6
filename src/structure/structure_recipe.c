/* structure_recipe.c — options → recipe → atoms (see structure_recipe.h). */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "structure/crystal.h"
#include "structure/crystal_fill.h"
#include "core/elements.h"
#include "core/options.h"
#include "structure/wulff.h"
#include "structure/polyhedra.h"
#include "structure/planar_defects.h"
#include "structure/scene.h"
#include "structure/structure_recipe.h"
#include "structure/transform.h"
#include "structure/twinned_particles.h"
#include "structure/volume.h"

static const char *const shape_names[] = {
  "sphere", "wulff",       "cube",       "octahedron", "cuboctahedron", "truncated_octahedron",
  "rod",    "icosahedron", "decahedron", "none"};
#define N_SHAPES ((int)(sizeof shape_names / sizeof shape_names[0]))

const char *structure_recipe_shape_names(void)
{
  return "sphere,wulff,cube,octahedron,cuboctahedron,truncated_octahedron,rod,icosahedron,decahedron,none";
}

static int shape_index(const char *name)
{
  for (int i = 0; i < N_SHAPES; i++)
    if (!strcasecmp(name, shape_names[i])) return i;
  return -1;
}

static PetscBool is_cif(const char *material)
{
  size_t n = strlen(material);
  return n > 4 && !strcasecmp(material + n - 4, ".cif") ? PETSC_TRUE : PETSC_FALSE;
}

/* "110", "1-10", "-1,1,2" → u, v, w (single digits, optional minus signs). */
static PetscErrorCode parse_zone_axis(const char *text, const char *option, int uvw[3])
{
  int n = 0, sign = 1;
  PetscFunctionBeginUser;
  for (const char *c = text; *c; c++) {
    if (*c == ',' || *c == ' ' || *c == '[' || *c == ']') continue;
    if (*c == '-') {
      sign = -1;
      continue;
    }
    PetscCheck(
      isdigit((unsigned char)*c) && n < 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "Option %s: zone axis '%s' is not u,v,w; allowed: three single-digit indices such as 1,1,0 or 1-10, or random",
      option, text);
    uvw[n++] = sign * (*c - '0');
    sign     = 1;
  }
  PetscCheck(n == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: zone axis '%s' has %d indices; allowed: three, such as 1,1,0", option, text, n);
  PetscCheck(uvw[0] || uvw[1] || uvw[2], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: zone axis [000] has no direction", option);
  PetscFunctionReturn(0);
}

/* Every label a choice can give must be allowed; `check` raises the error. */
static PetscErrorCode check_labels(const Distribution *d,
                                   PetscErrorCode (*check)(const char *label, const char *option))
{
  PetscFunctionBeginUser;
  if (d->kind == DISTRIBUTION_CHOICE) {
    for (int i = 0; i < d->n_choices; i++) PetscCall(check(d->labels[i], d->option));
  } else {
    char label[DISTRIBUTION_LABEL_LEN];
    PetscCall(PetscSNPrintf(label, sizeof label, "%.17g", d->a));
    PetscCall(check(label, d->option));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode check_shape(const char *label, const char *option)
{
  PetscFunctionBeginUser;
  PetscCheck(shape_index(label) >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: unknown shape '%s'; allowed: %s", option, label, structure_recipe_shape_names());
  PetscFunctionReturn(0);
}

static PetscErrorCode check_support(const char *label, const char *option)
{
  SupportKind kind;
  PetscFunctionBeginUser;
  PetscCall(support_kind_from_name(label, option, &kind));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_rotation(const char *label, const char *option)
{
  PetscFunctionBeginUser;
  PetscCheck(!strcasecmp(label, "zone") || !strcasecmp(label, "random"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option %s: unknown rotation '%s'; allowed: zone, random", option, label);
  PetscFunctionReturn(0);
}

static PetscErrorCode check_material(const char *label, const char *option)
{
  Crystal *crystal;
  PetscFunctionBeginUser;
  if (is_cif(label)) { /* read and checked line by line when built; must exist now */
    PetscCheck(access(label, R_OK) == 0, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "Option %s: cannot read CIF file '%s'",
               option, label);
    PetscFunctionReturn(0);
  }
  PetscCall(crystal_create_material(label, &crystal));
  PetscCall(crystal_destroy(&crystal));
  PetscFunctionReturn(0);
}

static PetscErrorCode check_zone(const char *label, const char *option)
{
  int uvw[3];
  PetscFunctionBeginUser;
  PetscCall(parse_zone_axis(label, option, uvw));
  PetscFunctionReturn(0);
}

/* A label-valued option: a plain label ("Au", "sphere") is a one-entry choice; anything
 * with a colon is a distribution spec (choice:Au@0.7,Ag@0.3). */
static PetscErrorCode options_label(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                    const char default_label[], Distribution *d)
{
  char spec[DISTRIBUTION_SPEC_LEN], full[DISTRIBUTION_SPEC_LEN + 8];
  PetscFunctionBeginUser;
  PetscCall(PetscStrncpy(spec, default_label, sizeof spec));
  PetscCall(PetscOptionsString(option, help, NULL, default_label, spec, sizeof spec, NULL));
  if (strchr(spec, ':'))
    PetscCall(distribution_parse(option, spec, d));
  else {
    PetscCheck(strlen(spec) > 0 && strlen(spec) < DISTRIBUTION_LABEL_LEN, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option %s: '%s' is empty or longer than %d characters%s", option, spec, DISTRIBUTION_LABEL_LEN - 1,
               is_cif(spec) ? "; give a CIF file of any path length with -cif FILE" : "");
    PetscCall(PetscSNPrintf(full, sizeof full, "choice:%s", spec));
    PetscCall(distribution_parse(option, full, d));
  }
  PetscFunctionReturn(0);
}

/* -material, -cif, -cif_block: what the particle is made of. */
static PetscErrorCode read_material_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscBool cif_set, material_set, block_set;
  PetscFunctionBeginUser;
  PetscCall(options_label(
    PetscOptionsObject, "-material",
    "Material: built-in name (Au Ag Pt Pd Cu Ni Fe Si CdSe ZnO MgO ...) or a .cif file (path under 32 characters; use -cif for any path)",
    "Au", &d->material));
  PetscCall(PetscOptionsString("-cif", "Material from a CIF file (any path length); excludes -material", NULL, d->cif,
                               d->cif, sizeof d->cif, &cif_set));
  PetscCall(PetscOptionsHasName(PetscOptionsObject->options, PetscOptionsObject->prefix, "-material", &material_set));
  if (cif_set) {
    PetscCheck(d->cif[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option -cif: no file name given; allowed: the path of a CIF file");
    /* -material at its default (Au) says nothing; any other value contradicts -cif */
    PetscBool is_default =
      d->material.kind == DISTRIBUTION_CHOICE && d->material.n_choices == 1 && !strcmp(d->material.labels[0], "Au")
        ? PETSC_TRUE
        : PETSC_FALSE;
    PetscCheck(
      !material_set || is_default, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "Options -cif %s and -material %s both name the material; allowed: one of them (-cif takes a CIF file of any path length, -material a built-in name or a short .cif path)",
      d->cif,
      d->material.kind == DISTRIBUTION_CHOICE && d->material.n_choices == 1 ? d->material.labels[0]
                                                                            : "(a distribution)");
  }
  PetscCall(PetscOptionsString("-cif_block",
                               "Data block of the -cif file to read (the NAME of data_NAME; default: the first block)",
                               NULL, d->cif_block, d->cif_block, sizeof d->cif_block, &block_set));
  PetscCheck(!block_set || d->cif_block[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -cif_block: no block name given; allowed: the NAME of a data_NAME block of the -cif file");
  PetscCheck(!block_set || cif_set, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -cif_block %s without -cif; allowed: only together with -cif FILE", d->cif_block);
  PetscFunctionReturn(0);
}

/* An h,k,l option; hkl is left as it is when the option is absent. Room for one value too
 * many: PETSc drops extra values silently, we report them. */
static PetscErrorCode read_hkl_option(PetscOptionItems *PetscOptionsObject, const char option[], const char help[],
                                      int hkl[3])
{
  PetscInt  n = 4, values[4] = {0, 0, 0, 0};
  PetscBool set;
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsIntArray(option, help, NULL, values, &n, &set));
  for (int k = 0; k < 3 && set; k++) hkl[k] = (int)values[k];
  PetscCheck(!set || n == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "Option %s: %d indices given; allowed: h,k,l",
             option, (int)n);
  PetscFunctionReturn(0);
}

/* -shape and the sizes and facets that shape it. */
static PetscErrorCode read_shape_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(options_label(
    PetscOptionsObject, "-shape",
    "Particle shape: sphere wulff cube octahedron cuboctahedron truncated_octahedron rod icosahedron decahedron none",
    "sphere", &d->shape));
  PetscCall(options_distribution(
    PetscOptionsObject, "-radius",
    "Sphere radius; equivalent-sphere radius of polyhedra and Wulff shapes; half width of rods [Å]", "20", &d->radius));
  PetscCall(options_distribution(PetscOptionsObject, "-shells",
                                 "Icosahedron shells / decahedron atoms per edge (icosahedron 1→1, 2→13, 3→55 atoms)",
                                 "3", &d->shells));
  PetscCall(
    options_distribution(PetscOptionsObject, "-ino", "Decahedron Ino {100} truncation [atomic rows]", "0", &d->ino));
  PetscCall(options_distribution(PetscOptionsObject, "-marks", "Decahedron Marks re-entrant notch depth [atomic rows]",
                                 "0", &d->marks));
  PetscCall(options_distribution(PetscOptionsObject, "-aspect_ratio", "Rod length / width", "3", &d->aspect_ratio));
  PetscCall(PetscStrncpy(d->wulff_energies, "{111}:1.0,{100}:1.15", sizeof d->wulff_energies));
  PetscCall(PetscOptionsString("-wulff_energies", "Wulff surface energies per family {hkl}:gamma,...", NULL,
                               d->wulff_energies, d->wulff_energies, sizeof d->wulff_energies, NULL));
  PetscCall(
    read_hkl_option(PetscOptionsObject, "-interface_facet",
                    "Winterbottom: Wulff facet h,k,l resting on the support, turned to face it (0,0,0: no truncation)",
                    d->interface_facet));
  PetscCall(options_distribution(PetscOptionsObject, "-interface_energy",
                                 "Winterbottom: interface minus support energy, in the unit of -wulff_energies", "0",
                                 &d->interface_energy));
  PetscFunctionReturn(0);
}

/* -twins, -stacking_faults and where they go. */
static PetscErrorCode read_defect_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(options_distribution(PetscOptionsObject, "-twins", "Number of twin planes in single-crystal shapes", "0",
                                 &d->twins));
  PetscCall(options_distribution(PetscOptionsObject, "-stacking_faults",
                                 "Number of stacking faults (intrinsic on {111}; I1 in hexagonal stacking)", "0",
                                 &d->stacking_faults));
  PetscCall(options_distribution(PetscOptionsObject, "-defect_separation",
                                 "Minimum distance between planar defects [layers]", "2", &d->defect_separation));
  PetscCall(read_hkl_option(PetscOptionsObject, "-defect_plane",
                            "Plane of the defects h,k,l (0,0,0: {111} for cubic, (001) for hexagonal)",
                            d->defect_plane));
  PetscFunctionReturn(0);
}

/* -zone_axis: "choice:...", "random" or one u,v,w, each made a choice distribution of uvw labels. */
static PetscErrorCode read_zone_axis_option(PetscOptionItems *PetscOptionsObject, Distribution *zone_axis)
{
  char zone[DISTRIBUTION_SPEC_LEN] = "0,0,1";
  PetscFunctionBeginUser;
  PetscCall(PetscOptionsString("-zone_axis",
                               "Zone axis along the beam: u,v,w, random (100 110 111 211), or choice:110,111,1-10",
                               NULL, zone, zone, sizeof zone, NULL));
  if (!strncasecmp(zone, "choice:", 7))
    PetscCall(distribution_parse("-zone_axis", zone, zone_axis));
  else if (!strcasecmp(zone, "random"))
    PetscCall(distribution_parse("-zone_axis", "choice:100,110,111,211", zone_axis));
  else {
    int  uvw[3];
    char spec[64];
    PetscCall(parse_zone_axis(zone, "-zone_axis", uvw));
    PetscCall(PetscSNPrintf(spec, sizeof spec, "choice:%d%d%d", uvw[0], uvw[1], uvw[2]));
    PetscCall(distribution_parse("-zone_axis", spec, zone_axis));
  }
  PetscFunctionReturn(0);
}

/* -rotation, -zone_axis and the small turns about and off the beam. */
static PetscErrorCode read_orientation_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(options_label(PetscOptionsObject, "-rotation",
                          "Orientation: zone (zone axis along the beam) or random (uniform)", "zone", &d->rotation));
  PetscCall(read_zone_axis_option(PetscOptionsObject, &d->zone_axis));
  PetscCall(options_distribution(PetscOptionsObject, "-inplane_angle",
                                 "Rotation about the beam after the zone axis [mrad]", "0", &d->inplane_angle));
  PetscCall(options_distribution(PetscOptionsObject, "-mistilt", "rms tilt of the zone axis off the beam [mrad]", "0",
                                 &d->mistilt));
  PetscFunctionReturn(0);
}

/* -support_size: three fixed lengths, each > 0. */
static PetscErrorCode read_support_size_option(PetscOptionItems *PetscOptionsObject, double support_size[3])
{
  PetscInt  n         = 4; /* room for one value too many, as in read_hkl_option */
  PetscReal values[4] = {0, 0, 0, 0};
  PetscBool set;
  PetscFunctionBeginUser;
  support_size[0] = 100, support_size[1] = 100, support_size[2] = 30;
  for (int k = 0; k < 3; k++) values[k] = support_size[k];
  PetscCall(PetscOptionsRealArray(
    "-support_size",
    "Support size x,y,z [Å]: fixed numbers, not distributions (vary the thickness with -support_thickness)", NULL,
    values, &n, &set));
  for (int k = 0; k < 3 && set; k++) support_size[k] = values[k];
  PetscCheck(!set || n == 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -support_size: %d values given; allowed: x,y,z [Å]", (int)n);
  for (int k = 0; k < 3; k++)
    PetscCheck(support_size[k] > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option -support_size: %g Å along %c; allowed: > 0", support_size[k], "xyz"[k]);
  PetscFunctionReturn(0);
}

/* -support and the substrate's size and make-up. */
static PetscErrorCode read_support_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(options_label(PetscOptionsObject, "-support", "Support: none amorphous_carbon sinx sio2 graphene mos2",
                          "none", &d->support));
  PetscCall(read_support_size_option(PetscOptionsObject, d->support_size));
  PetscCall(options_distribution(PetscOptionsObject, "-support_thickness",
                                 "Support thickness along z [Å]; 0 = the z of -support_size", "0",
                                 &d->support_thickness));
  PetscCall(
    options_distribution(PetscOptionsObject, "-support_density",
                         "Amorphous support density [g/cm³]; 0 = the support's own (a-C 2.2, SiNx 3.1, SiO2 2.2)", "0",
                         &d->support_density));
  PetscCall(
    options_distribution(PetscOptionsObject, "-support_min_distance",
                         "Hard-core distance of a one-species amorphous support [Å]; 0 = default (1.4 for carbon)", "0",
                         &d->support_min_distance));
  PetscFunctionReturn(0);
}

/* Where the particle sits on the support, how close atoms of different objects may come,
 * and how much they vibrate. */
static PetscErrorCode read_placement_options(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(options_distribution(PetscOptionsObject, "-embedding_depth",
                                 "Depth of the particle's lowest atom below the support top [Å]", "2",
                                 &d->embedding_depth));
  PetscCall(options_distribution(PetscOptionsObject, "-placement_jitter",
                                 "Uniform lateral offset of the particle from the support centre, plus or minus [Å]",
                                 "0", &d->placement_jitter));
  d->interface_distance = 1.4;
  PetscCall(PetscOptionsReal("-interface_distance",
                             "Minimum distance between atoms of different objects [Å] (the support's atom goes)", NULL,
                             d->interface_distance, &d->interface_distance, NULL));
  PetscCheck(d->interface_distance >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "Option -interface_distance: %g Å; allowed >= 0", d->interface_distance);
  PetscCall(PetscOptionsString(
    "-thermal_rms", "Per-species rms thermal displacement overrides Sym:rms,... [Å] (default: room-temperature table)",
    NULL, d->thermal_rms, d->thermal_rms, sizeof d->thermal_rms, NULL));
  PetscFunctionReturn(0);
}

/* Every label a draw can give names a known shape, support, rotation, material and zone axis. */
static PetscErrorCode check_recipe_labels(const StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(check_labels(&d->shape, check_shape));
  PetscCall(check_labels(&d->support, check_support));
  PetscCall(check_labels(&d->rotation, check_rotation));
  if (d->cif[0]) { /* read it now: a bad file is an error (naming file and line) before any work */
    Crystal *crystal;
    PetscCall(crystal_create_from_cif_block(d->cif, d->cif_block, &crystal));
    PetscCall(crystal_destroy(&crystal));
  } else
    PetscCall(check_labels(&d->material, check_material));
  PetscCall(check_labels(&d->zone_axis, check_zone));
  PetscFunctionReturn(0);
}

/* Every number a draw can give lies in the range the builders accept. */
static PetscErrorCode check_recipe_ranges(const StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(distribution_check_range(&d->radius, 0.5, 1000, "a radius in [0.5, 1000] Å"));
  PetscCall(distribution_check_range(&d->shells, 1, 40, "an integer in [1, 40]"));
  PetscCall(distribution_check_range(&d->ino, 0, 40, "an integer in [0, 40]"));
  PetscCall(distribution_check_range(&d->marks, 0, 40, "an integer in [0, 40]"));
  PetscCall(distribution_check_range(&d->aspect_ratio, 0.1, 100, "a ratio in [0.1, 100]"));
  PetscCall(distribution_check_range(&d->twins, 0, PLANAR_DEFECTS_MAX, "an integer in [0, 64]"));
  PetscCall(distribution_check_range(&d->stacking_faults, 0, PLANAR_DEFECTS_MAX, "an integer in [0, 64]"));
  PetscCall(distribution_check_range(&d->defect_separation, 1, 100, "an integer in [1, 100]"));
  PetscCall(distribution_check_range(&d->mistilt, 0, 500, "an rms tilt in [0, 500] mrad"));
  PetscCall(
    distribution_check_range(&d->support_thickness, 0, 10000, "a thickness in [0, 10000] Å (0 = -support_size z)"));
  PetscCall(distribution_check_range(&d->support_density, 0, 30, "a density in [0, 30] g/cm³ (0 = default)"));
  PetscCall(distribution_check_range(&d->support_min_distance, 0, 10, "a distance in [0, 10] Å (0 = default)"));
  PetscCall(distribution_check_range(&d->embedding_depth, -1000, 1000, "a depth in [-1000, 1000] Å"));
  PetscCall(distribution_check_range(&d->placement_jitter, 0, 1000, "a jitter in [0, 1000] Å"));
  PetscFunctionReturn(0);
}

/* The groups are read in this order because -help (and so docs/options.md) lists options in
 * the order they are read. */
PetscErrorCode structure_recipe_options_read(PetscOptionItems *PetscOptionsObject, StructureRecipeDistributions *d)
{
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(d, sizeof *d));
  PetscCall(read_material_options(PetscOptionsObject, d));
  PetscCall(read_shape_options(PetscOptionsObject, d));
  PetscCall(read_defect_options(PetscOptionsObject, d));
  PetscCall(read_orientation_options(PetscOptionsObject, d));
  PetscCall(read_support_options(PetscOptionsObject, d));
  PetscCall(read_placement_options(PetscOptionsObject, d));
  /* Fail early, at option time, on anything a draw could trip over. */
  PetscCall(check_recipe_labels(d));
  PetscCall(check_recipe_ranges(d));
  PetscFunctionReturn(0);
}

static PetscErrorCode sample_integer(const Distribution *d, RngStream *stream, PetscInt *value)
{
  double x;
  PetscFunctionBeginUser;
  PetscCall(distribution_sample(d, stream, &x));
  *value = (PetscInt)llround(x);
  PetscFunctionReturn(0);
}

PetscErrorCode structure_recipe_sample(const StructureRecipeDistributions *d, uint64_t seed, uint64_t unit,
                                       StructureRecipe *r)
{
  RngStream stream;
  char      label[DISTRIBUTION_LABEL_LEN];
  PetscFunctionBeginUser;
  PetscCall(PetscMemzero(r, sizeof *r));
  rng_stream_init(&stream, seed, unit, RNG_PURPOSE_PLAN);
  /* The order of draws is part of the recipe's definition: append, never reorder. */
  PetscCall(distribution_sample_label(&d->material, &stream, r->material));
  if (d->cif[0]) { /* the material comes from the CIF; its base name labels it in messages */
    const char *base = strrchr(d->cif, '/');
    PetscCall(PetscStrncpy(r->cif, d->cif, sizeof r->cif));
    PetscCall(PetscStrncpy(r->cif_block, d->cif_block, sizeof r->cif_block));
    PetscCall(PetscStrncpy(r->material, base ? base + 1 : d->cif, sizeof r->material));
  }
  PetscCall(distribution_sample_label(&d->shape, &stream, r->shape));
  PetscCall(check_shape(r->shape, "-shape"));
  PetscCall(distribution_sample(&d->radius, &stream, &r->radius));
  PetscCall(sample_integer(&d->shells, &stream, &r->shells));
  PetscCall(sample_integer(&d->ino, &stream, &r->ino));
  PetscCall(sample_integer(&d->marks, &stream, &r->marks));
  PetscCall(distribution_sample(&d->aspect_ratio, &stream, &r->aspect_ratio));
  PetscCall(sample_integer(&d->twins, &stream, &r->twins));
  PetscCall(sample_integer(&d->stacking_faults, &stream, &r->stacking_faults));
  PetscCall(sample_integer(&d->defect_separation, &stream, &r->defect_separation));
  PetscCall(distribution_sample_label(&d->rotation, &stream, label));
  PetscCall(check_rotation(label, "-rotation"));
  r->random_rotation = !strcasecmp(label, "random") ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(distribution_sample_label(&d->zone_axis, &stream, label));
  PetscCall(parse_zone_axis(label, "-zone_axis", r->zone_axis));
  PetscCall(distribution_sample(&d->inplane_angle, &stream, &r->inplane_angle));
  PetscCall(distribution_sample(&d->mistilt, &stream, &r->mistilt));
  PetscCall(distribution_sample_label(&d->support, &stream, label));
  PetscCall(support_kind_from_name(label, "-support", &r->support));
  PetscCall(distribution_sample(&d->support_density, &stream, &r->support_density));
  PetscCall(distribution_sample(&d->support_min_distance, &stream, &r->support_min_distance));
  PetscCall(distribution_sample(&d->embedding_depth, &stream, &r->embedding_depth));
  PetscCall(distribution_sample(&d->placement_jitter, &stream, &r->placement_jitter));
  PetscCall(distribution_sample(&d->interface_energy, &stream, &r->interface_energy));
  for (int k = 0; k < 3; k++) r->interface_facet[k] = d->interface_facet[k];
  PetscCall(PetscStrncpy(r->wulff_energies, d->wulff_energies, sizeof r->wulff_energies));
  PetscCall(PetscStrncpy(r->thermal_rms, d->thermal_rms, sizeof r->thermal_rms));
  for (int k = 0; k < 3; k++) {
    r->defect_plane[k] = d->defect_plane[k];
    r->support_size[k] = d->support_size[k];
  }
  {
    double thickness;
    PetscCall(distribution_sample(&d->support_thickness, &stream, &thickness));
    if (thickness > 0) r->support_size[2] = thickness;
  }
  r->interface_distance = d->interface_distance;
  PetscFunctionReturn(0);
}

/* Approximate room-temperature rms displacements u = sqrt(B / 8π²) from Debye–Waller
 * factors B (Peng et al., Acta Cryst. A52 (1996) 456, rounded); 0.08 Å elsewhere. */
static double default_thermal_rms(int z)
{
  switch (z) {
  case 79:
    return 0.0886; /* Au, B = 0.62 Å² */
  case 47:
    return 0.0994; /* Ag */
  case 78:
    return 0.0712; /* Pt */
  case 46:
    return 0.0755; /* Pd */
  case 29:
    return 0.0835; /* Cu */
  case 28:
    return 0.0685; /* Ni */
  case 26:
    return 0.0666; /* Fe */
  case 14:
    return 0.0763; /* Si */
  case 6:
    return 0.1; /* amorphous C */
  default:
    return 0.08;
  }
}

static PetscErrorCode apply_thermal_rms(Scene *scene, const char *overrides)
{
  char text[STRUCTURE_RECIPE_TEXT_LEN], *save = NULL;
  PetscFunctionBeginUser;
  for (int z = 1; z <= ELEMENT_MAX_Z; z++) PetscCall(scene_set_thermal_rms(scene, z, default_thermal_rms(z)));
  PetscCall(PetscStrncpy(text, overrides, sizeof text));
  for (char *item = strtok_r(text, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char          *colon = strchr(item, ':'), *end;
    const Element *element;
    PetscCheck(colon, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option -thermal_rms: item '%s' is not Sym:rms (e.g. Au:0.0886)", item);
    *colon = 0;
    PetscCall(element_from_symbol(item, "option -thermal_rms", &element));
    double rms = strtod(colon + 1, &end);
    PetscCheck(end != colon + 1 && *end == 0 && rms >= 0 && rms < 2, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Option -thermal_rms: '%s' for %s is not an rms displacement in [0, 2) Å", colon + 1, item);
    PetscCall(scene_set_thermal_rms(scene, element->z, rms));
  }
  PetscFunctionReturn(0);
}

/* r' = R r for every piece of a Volume (rotation about the origin, where particles are built). */
static void volume_rotate(Volume *v, const double R[3][3])
{
  for (PetscInt i = 0; i < v->nplanes; i++) {
    double n[3];
    for (int a = 0; a < 3; a++)
      n[a] = R[a][0] * v->plane[i].normal[0] + R[a][1] * v->plane[i].normal[1] + R[a][2] * v->plane[i].normal[2];
    for (int a = 0; a < 3; a++) v->plane[i].normal[a] = n[a];
  }
  for (PetscInt i = 0; i < v->nspheres; i++) {
    double c[3];
    for (int a = 0; a < 3; a++)
      c[a] = R[a][0] * v->sphere[i].centre[0] + R[a][1] * v->sphere[i].centre[1] + R[a][2] * v->sphere[i].centre[2];
    for (int a = 0; a < 3; a++) v->sphere[i].centre[a] = c[a];
  }
  for (PetscInt i = 0; i < v->ncylinders; i++) {
    double p[3], x[3];
    for (int a = 0; a < 3; a++) {
      p[a] = R[a][0] * v->cylinder[i].point[0] + R[a][1] * v->cylinder[i].point[1] + R[a][2] * v->cylinder[i].point[2];
      x[a] = R[a][0] * v->cylinder[i].axis[0] + R[a][1] * v->cylinder[i].axis[1] + R[a][2] * v->cylinder[i].axis[2];
    }
    for (int a = 0; a < 3; a++) v->cylinder[i].point[a] = p[a], v->cylinder[i].axis[a] = x[a];
  }
}

static PetscErrorCode create_crystal(const StructureRecipe *r, Crystal **crystal)
{
  const char *material = r->material;
  PetscFunctionBeginUser;
  if (r->cif[0])
    PetscCall(crystal_create_from_cif_block(r->cif, r->cif_block, crystal));
  else if (is_cif(material))
    PetscCall(crystal_create_from_cif(material, crystal));
  else
    PetscCall(crystal_create_material(material, crystal));
  PetscFunctionReturn(0);
}

static PetscBool has_interface_facet(const StructureRecipe *r)
{
  return r->interface_facet[0] || r->interface_facet[1] || r->interface_facet[2] ? PETSC_TRUE : PETSC_FALSE;
}

/* R turning the facet normal n (unit) onto −z, then by `angle` about z. */
static void facet_down_rotation(const double n[3], double angle, double R[3][3])
{
  double axis[3] = {n[1] * -1.0 - n[2] * 0.0, n[2] * 0.0 - n[0] * -1.0, 0.0}; /* n × (0,0,−1) */
  double s = sqrt(axis[0] * axis[0] + axis[1] * axis[1]), c = -n[2], turn[3][3], about_z[3][3], z[3] = {0, 0, 1};
  if (s < 1e-12) { /* n already along ±z: turn by π about x when it points up */
    double x[3] = {1, 0, 0};
    transform_axis_angle(x, c > 0 ? 0.0 : M_PI, turn);
  } else {
    axis[0] /= s, axis[1] /= s;
    transform_axis_angle(axis, atan2(s, c), turn);
  }
  transform_axis_angle(z, angle, about_z);
  transform_multiply(about_z, turn, R);
}

static PetscBool is_hexagonal(const Crystal *crystal)
{
  return !strcmp(crystal->prototype, "hcp") || !strcmp(crystal->prototype, "wurtzite") ? PETSC_TRUE : PETSC_FALSE;
}

/* Build the particle at the origin in the crystal frame, with its shape (NULL for the
 * twinned particles, whose region is then judged by distance). */
static PetscErrorCode build_particle(const StructureRecipe *r, const Crystal *crystal, uint64_t seed, uint64_t unit,
                                     AtomList *particle, Volume **shape)
{
  const double centre[3] = {0, 0, 0};
  const char  *name      = r->shape;
  PetscInt     n_defects = r->twins + r->stacking_faults;
  PetscFunctionBeginUser;
  *shape = NULL;
  PetscCheck(r->twins >= 0 && r->stacking_faults >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "twins %" PetscInt_FMT " and stacking faults %" PetscInt_FMT "; allowed >= 0", r->twins,
             r->stacking_faults);
  if (!strcasecmp(name, "icosahedron") || !strcasecmp(name, "decahedron")) {
    PetscCheck(n_defects == 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "Options -twins/-stacking_faults (%" PetscInt_FMT "/%" PetscInt_FMT
               ") apply to single-crystal shapes, not to the multiply twinned %s",
               r->twins, r->stacking_faults, name);
    if (!strcasecmp(name, "icosahedron"))
      PetscCall(twinned_icosahedron(crystal, r->shells, centre, 0, ATOM_CLASS_PARTICLE, particle));
    else
      PetscCall(twinned_decahedron(crystal, r->shells, r->ino, r->marks, centre, 0, ATOM_CLASS_PARTICLE, particle));
    PetscFunctionReturn(0);
  }
  if (!strcasecmp(name, "sphere"))
    PetscCall(volume_create_sphere(centre, r->radius, shape));
  else if (!strcasecmp(name, "wulff")) {
    SurfaceEnergy families[PARTICLE_SHAPE_MAX_FAMILIES];
    PetscInt      n_families;
    PetscCall(wulff_parse_energies(r->wulff_energies, "-wulff_energies", &n_families, families));
    if (has_interface_facet(r)) {
      WulffTruncation truncation;
      for (int k = 0; k < 3; k++) truncation.hkl[k] = r->interface_facet[k];
      truncation.energy_difference = r->interface_energy;
      PetscCall(particle_shape_wulff(crystal, n_families, families, &truncation, r->radius, centre, shape));
    } else
      PetscCall(particle_shape_wulff(crystal, n_families, families, NULL, r->radius, centre, shape));
  } else if (!strcasecmp(name, "rod"))
    PetscCall(particle_shape_rod(crystal, r->radius, 2 * r->radius * r->aspect_ratio, centre, shape));
  else
    PetscCall(particle_shape_polyhedron(crystal, name, r->radius, centre, shape));

  if (n_defects == 0) {
    PetscCall(crystal_fill(crystal, *shape, centre, 0, ATOM_CLASS_PARTICLE, particle));
  } else {
    int              plane[3] = {r->defect_plane[0], r->defect_plane[1], r->defect_plane[2]};
    PlanarDefectType fault    = is_hexagonal(crystal) ? PLANAR_DEFECT_I1_FAULT : PLANAR_DEFECT_STACKING_FAULT;
    PlanarDefects   *where, *defects;
    RngStream        stream;
    PetscBool        is_fault[PLANAR_DEFECTS_MAX];
    if (!plane[0] && !plane[1] && !plane[2]) {
      if (is_hexagonal(crystal))
        plane[2] = 1;
      else
        plane[0] = plane[1] = plane[2] = 1;
    }
    PetscCheck(
      !(is_hexagonal(crystal) && r->twins > 0 && !plane[0] && !plane[1]), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
      "Option -twins: %" PetscInt_FMT
      " twin(s) on the basal plane (001) of %s; allowed: 0 (mirroring the ABAB stacking about a layer leaves it perfect or puts a layer on a like layer); use -stacking_faults for I1 faults",
      r->twins, r->material);
    rng_stream_init(&stream, seed, unit, RNG_PURPOSE_STRUCTURE);
    /* Positions first (czone's fccMixedTwinSF placement), then exactly `stacking_faults`
     * of them chosen at random to be faults, the rest twins. */
    PetscCall(planar_defects_create(crystal, plane, centre, &where));
    /* The placement checks each layer for the type it places (a basal twin of wurtzite
     * is no valid defect, an I1 fault is): with faults only, place faults. The draws
     * (one uniform per defect) are the same for any fraction, so positions do not change. */
    PetscErrorCode ierr = planar_defects_place_random(where, *shape, &stream, n_defects, r->twins == 0 ? 1.0 : 0.0,
                                                      fault, r->defect_separation);
    if (ierr) PetscCall(planar_defects_destroy(&where));
    PetscCall(ierr);
    for (PetscInt i = 0; i < n_defects; i++) is_fault[i] = i < r->stacking_faults ? PETSC_TRUE : PETSC_FALSE;
    for (PetscInt i = n_defects - 1; i > 0; i--) {
      PetscInt  j = (PetscInt)rng_below(&stream, (uint64_t)i + 1);
      PetscBool t = is_fault[i];
      is_fault[i] = is_fault[j];
      is_fault[j] = t;
    }
    PetscCall(planar_defects_create(crystal, plane, centre, &defects));
    for (PetscInt i = 0; i < where->ndefects && !ierr; i++)
      ierr = planar_defects_add(defects, is_fault[i] ? fault : PLANAR_DEFECT_TWIN, where->layer[i]);
    if (!ierr) ierr = planar_defects_fill(defects, *shape, 0, ATOM_CLASS_PARTICLE, particle);
    PetscCall(planar_defects_destroy(&where));
    PetscCall(planar_defects_destroy(&defects));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode build_support(const StructureRecipe *r, uint64_t seed, uint64_t unit, AtomList *support,
                                    double box[3])
{
  const double origin[3] = {0, 0, 0};
  PetscFunctionBeginUser;
  if (r->support == SUPPORT_GRAPHENE || r->support == SUPPORT_MOS2) {
    PetscCall(crystalline_support_build(r->support, r->support_size, origin, 0, support, box));
  } else {
    AmorphousSupportSpec spec;
    PetscCall(amorphous_support_spec_default(r->support, r->support_size, origin, &spec));
    if (r->support_density > 0) spec.density = amorphous_support_number_density(&spec, r->support_density);
    if (r->support_min_distance > 0) {
      PetscCheck(
        spec.n_species == 1, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
        "Option -support_min_distance applies to one-species supports; %s has %d species with per-pair distances",
        support_kind_name(r->support), spec.n_species);
      spec.min_distance[0][0] = r->support_min_distance;
    }
    PetscCall(amorphous_support_build(&spec, seed, unit, 0, support));
    for (int d = 0; d < 3; d++) box[d] = r->support_size[d];
  }
  PetscFunctionReturn(0);
}

/* What a build holds while it runs; structure_recipe_build frees it on success and on error. */
typedef struct {
  Crystal  *crystal;
  Volume   *shape;
  AtomList *particle, *support;
  Scene    *scene;
} RecipeBuild;

static PetscErrorCode recipe_build(const StructureRecipe *r, uint64_t seed, uint64_t unit, AtomList *atoms,
                                   RecipeBuild *b)
{
  PetscBool has_particle = strcasecmp(r->shape, "none") ? PETSC_TRUE : PETSC_FALSE;
  RngStream orientation; /* rotation, mistilt, then the placement jitter, in that order */
  PetscFunctionBeginUser;
  rng_stream_init(&orientation, seed, unit, RNG_PURPOSE_ORIENTATION);
  PetscCheck(has_particle || r->support != SUPPORT_NONE, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "nothing to build: -shape none and -support none");
  PetscCall(scene_create(&b->scene));
  b->scene->interface_distance = r->interface_distance;
  PetscCall(apply_thermal_rms(b->scene, r->thermal_rms));
  if (has_particle) {
    double R[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    PetscCall(create_crystal(r, &b->crystal));
    PetscCall(atom_list_create(0, &b->particle));
    PetscCall(build_particle(r, b->crystal, seed, unit, b->particle, &b->shape));
    PetscCheck(b->particle->n > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
               "the %s %s of radius %g Å holds no atoms; use a larger -radius", r->material, r->shape, r->radius);
    if (has_interface_facet(r)) {
      double normal[3];
      PetscCheck(!strcasecmp(r->shape, "wulff"), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "Option -interface_facet applies to -shape wulff, not %s", r->shape);
      crystal_plane_normal(b->crystal, r->interface_facet, normal);
      facet_down_rotation(normal, r->inplane_angle * 1e-3, R);
    } else if (r->random_rotation)
      transform_random(&orientation, R);
    else
      PetscCall(transform_zone_axis(b->crystal, r->zone_axis, r->inplane_angle * 1e-3, R));
    if (r->mistilt > 0) transform_mistilt(&orientation, r->mistilt * 1e-3, R);
    PetscCall(transform_rotate(b->particle, R, NULL));
    if (b->shape) volume_rotate(b->shape, R);
  }
  if (r->support != SUPPORT_NONE) {
    double        box[3], low[3], high[3], lower[3] = {0, 0, 0}, upper[3];
    SceneBoundary boundary[3] = {SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_PERIODIC, SCENE_BOUNDARY_OPEN};
    PetscCall(atom_list_create(0, &b->support));
    PetscCall(build_support(r, seed, unit, b->support, box));
    if (b->particle) {
      double centre_xy[2] = {box[0] / 2, box[1] / 2}, shift[3], plow[3], phigh[3];
      PetscCheck(atom_list_bounds(b->support, low, high), PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                 "the %s support of %g x %g x %g Å holds no atoms", support_kind_name(r->support), box[0], box[1],
                 box[2]);
      atom_list_bounds(b->particle, plow, phigh);
      for (int d = 0; d < 2; d++)
        PetscCheck(
          phigh[d] - plow[d] + 2 * r->interface_distance <= box[d], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
          "the particle is %.1f Å wide along %c but the periodic support is only %.1f Å: enlarge -support_size or reduce -radius",
          phigh[d] - plow[d], "xy"[d], box[d]);
      PetscCall(scene_place_on_surface(b->particle, high[2], centre_xy, r->embedding_depth, r->placement_jitter,
                                       &orientation, shift));
      if (b->shape) PetscCall(volume_translate(b->shape, shift));
    }
    upper[0] = box[0], upper[1] = box[1], upper[2] = 0;
    PetscCall(scene_set_bounds(b->scene, lower, upper, boundary));
  }
  /* A particle without a Volume (the twinned ones) claims the points within 0.75 of its
   * nearest-neighbour distance: that covers its octahedral holes (at 0.707 of it), so no
   * support atom survives inside an embedded particle. */
  if (b->particle && !b->shape && b->crystal)
    b->scene->overlap_distance = 0.75 * crystal_nearest_neighbour_distance(b->crystal);
  if (b->particle)
    PetscCall(scene_add_object(b->scene, "particle", 1, ATOM_CLASS_PARTICLE, b->particle, b->shape, NULL));
  if (b->support) PetscCall(scene_add_object(b->scene, "support", 2, ATOM_CLASS_SUPPORT, b->support, NULL, NULL));
  PetscCall(scene_resolve(b->scene));
  PetscCall(scene_to_atom_list(b->scene, atoms));
  if (r->support != SUPPORT_NONE) {
    /* A particle sunk through a thin sheet reaches below z = 0: lift everything so the
     * cell [0, height) holds every atom. */
    double low[3], high[3];
    if (atom_list_bounds(atoms, low, high) && low[2] < 0) {
      for (PetscInt i = 0; i < atoms->n; i++) atoms->position[i][2] -= low[2];
      atoms->cell[2][2] -= low[2];
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode structure_recipe_build(const StructureRecipe *r, uint64_t seed, uint64_t unit, AtomList *atoms)
{
  RecipeBuild    b = {NULL, NULL, NULL, NULL, NULL};
  PetscErrorCode ierr;
  PetscFunctionBeginUser;
  ierr = recipe_build(r, seed, unit, atoms, &b);
  /* freed on error too: a campaign that records a failed unit and goes on must not leak */
  if (b.scene) PetscCall(scene_destroy(&b.scene));
  PetscCall(atom_list_destroy(&b.particle));
  PetscCall(atom_list_destroy(&b.support));
  if (b.shape) PetscCall(volume_destroy(&b.shape));
  if (b.crystal) PetscCall(crystal_destroy(&b.crystal));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode structure_recipe_symmetry_note(const StructureRecipe *r, char *text, size_t size)
{
  Crystal *crystal;
  PetscFunctionBeginUser;
  text[0] = 0;
  if (!strcasecmp(r->shape, "none") || (!r->cif[0] && !is_cif(r->material))) PetscFunctionReturn(0);
  PetscCall(create_crystal(r, &crystal));
  if (crystal->family_from_metric)
    PetscCall(PetscSNPrintf(
      text, size,
      "%s lists %s: Miller families {hkl} use the lattice's holohedry (metric symmetry, %" PetscInt_FMT
      " operations), which may exceed the structure's symmetry; give a CIF with its space-group operations to use those",
      r->material, crystal->ncif_operations ? "only the identity operation" : "no symmetry operations (P1)",
      crystal->npoint_operations));
  else
    PetscCall(PetscSNPrintf(text, size,
                            "%s lists %" PetscInt_FMT
                            " symmetry operations: Miller families {hkl} use their Laue group (%" PetscInt_FMT
                            " operations)",
                            r->material, crystal->ncif_operations, crystal->npoint_operations));
  PetscCall(crystal_destroy(&crystal));
  PetscFunctionReturn(0);
}

PetscErrorCode structure_recipe_describe(const StructureRecipe *r, char *text, size_t size)
{
  char particle[256] = "", support[160] = "";
  PetscFunctionBeginUser;
  if (strcasecmp(r->shape, "none")) {
    char orientation[64];
    if (r->random_rotation)
      PetscCall(PetscSNPrintf(orientation, sizeof orientation, "random orientation"));
    else
      PetscCall(PetscSNPrintf(orientation, sizeof orientation, "zone [%d%d%d] +%.1f mrad", r->zone_axis[0],
                              r->zone_axis[1], r->zone_axis[2], r->inplane_angle));
    if (!strcasecmp(r->shape, "icosahedron") || !strcasecmp(r->shape, "decahedron"))
      PetscCall(PetscSNPrintf(particle, sizeof particle, "%s %s %" PetscInt_FMT " shells, %s", r->material, r->shape,
                              r->shells, orientation));
    else
      PetscCall(PetscSNPrintf(particle, sizeof particle,
                              "%s %s r=%.2f Å, twins %" PetscInt_FMT ", faults %" PetscInt_FMT ", %s%s", r->material,
                              r->shape, r->radius, r->twins, r->stacking_faults, orientation,
                              r->mistilt > 0 ? ", mistilt" : ""));
  } else
    PetscCall(PetscSNPrintf(particle, sizeof particle, "no particle"));
  if (r->support != SUPPORT_NONE)
    PetscCall(PetscSNPrintf(support, sizeof support, "; support %s %.1fx%.1fx%.1f Å, embedding %.2f Å",
                            support_kind_name(r->support), r->support_size[0], r->support_size[1], r->support_size[2],
                            r->embedding_depth));
  PetscCall(PetscSNPrintf(text, size, "%s%s", particle, support));
  PetscFunctionReturn(0);
}

PetscErrorCode structure_recipe_columns(const StructureRecipe *r, PetscInt *count,
                                        StructureRecipeColumn c[STRUCTURE_RECIPE_MAX_COLUMNS])
{
  PetscInt n = 0;
  PetscFunctionBeginUser;
#define COLUMN(NAME, UNITS, VALUE) (c[n].name = (NAME), c[n].units = (UNITS), c[n].value = (double)(VALUE), n++)
  COLUMN("shape_id", "", shape_index(r->shape));
  COLUMN("radius", "Å", r->radius);
  COLUMN("shells", "", r->shells);
  COLUMN("ino", "rows", r->ino);
  COLUMN("marks", "rows", r->marks);
  COLUMN("aspect_ratio", "", r->aspect_ratio);
  COLUMN("twins", "", r->twins);
  COLUMN("stacking_faults", "", r->stacking_faults);
  COLUMN("defect_separation", "layers", r->defect_separation);
  COLUMN("random_rotation", "", r->random_rotation ? 1 : 0);
  COLUMN("zone_u", "", r->zone_axis[0]);
  COLUMN("zone_v", "", r->zone_axis[1]);
  COLUMN("zone_w", "", r->zone_axis[2]);
  COLUMN("inplane_angle", "mrad", r->inplane_angle);
  COLUMN("mistilt", "mrad", r->mistilt);
  COLUMN("support_id", "", (int)r->support);
  COLUMN("support_size_x", "Å", r->support_size[0]);
  COLUMN("support_size_y", "Å", r->support_size[1]);
  COLUMN("support_size_z", "Å", r->support_size[2]);
  COLUMN("support_density", "g/cm³", r->support_density);
  COLUMN("support_min_distance", "Å", r->support_min_distance);
  COLUMN("embedding_depth", "Å", r->embedding_depth);
  COLUMN("placement_jitter", "Å", r->placement_jitter);
  COLUMN("interface_distance", "Å", r->interface_distance);
  COLUMN("interface_energy", "", has_interface_facet(r) ? r->interface_energy : 0);
#undef COLUMN
  *count = n;
  PetscFunctionReturn(0);
}
