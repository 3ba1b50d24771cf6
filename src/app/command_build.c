/* command_build.c — `nanoforge build`: build one atomic structure (particle, support,
 * scene) from the structure options and write it (XYZ, extended XYZ, Prismatic, PNG). */
#include <string.h>
#include <unistd.h>
#include "app/commands.h"
#include "core/options.h"
#include "core/output_file.h"
#include "core/parallel.h"
#include "plan/plan.h"
#include "core/provenance.h"
#include "structure/structure_io.h"
#include "structure/structure_recipe.h"
#include "core/timing.h"

/* Before any work: the structure file and the picture must not be the -cif or the options
 * file, nor replace a file of another kind (a picture over a non-PNG). */
static PetscErrorCode check_outputs(MPI_Comm comm, const char *output, const char *picture, const char *cif)
{
  char options_file[PETSC_MAX_PATH_LEN];
  PetscFunctionBeginUser;
  PetscCall(output_file_options_file(options_file));
  const OutputFileOutput outputs[] = {{"-o", output, &output_file_kind_any}, {"-png", picture, &output_file_kind_png}};
  const OutputFileInput  inputs[]  = {{"-cif", cif}, {"-options_file", options_file}};
  PetscCall(output_file_check_all(comm, 2, outputs, 2, inputs));
  PetscFunctionReturn(0);
}

PetscErrorCode command_build(MPI_Comm comm)
{
  StructureRecipeDistributions distributions;
  StructureRecipe              recipe;
  char            output[PETSC_MAX_PATH_LEN] = "", picture[PETSC_MAX_PATH_LEN] = "", format_name[32] = "auto";
  PetscInt64      seed           = 1;
  PetscInt64      unit           = 0;
  PetscInt        picture_height = 600;
  StructureFormat format         = STRUCTURE_FORMAT_AUTO;
  PetscBool       help;
  Provenance     *provenance;
  PetscBool       root;
  PetscFunctionBeginUser;
  PetscOptionsBegin(comm, NULL, "nanoforge build: one atomic structure (particle, support, scene)", NULL);
  PetscCall(structure_recipe_options_read(PetscOptionsObject, &distributions));
  PetscCall(PetscOptionsString(
    "-o",
    "Output structure file: .xyz (XYZ), .exyz/.extxyz (extended XYZ with labels), .prismatic (Prismatic/computem)",
    NULL, output, output, sizeof output, NULL));
  PetscCall(PetscOptionsString("-format", "Output format overriding the extension: auto, xyz, extxyz, prismatic", NULL,
                               format_name, format_name, sizeof format_name, NULL));
  PetscCall(PetscOptionsString("-png", "Picture of the structure along the beam and from the side (PNG)", NULL, picture,
                               picture, sizeof picture, NULL));
  PetscCall(
    options_integer(PetscOptionsObject, "-png_height", "Picture height [pixels]", 16, 16384, &picture_height, NULL));
  PetscCall(options_seed(PetscOptionsObject, &seed));
  PetscCall(options_integer64(PetscOptionsObject, "-unit",
                              "Work-unit id: which draw of the distributions (with -seed) to build", 0,
                              PLAN_MAX_UNIT_ID, &unit, NULL));
  PetscOptionsEnd();
  PetscCall(options_help_requested(&help));
  if (help) PetscFunctionReturn(0);
  PetscCall(options_check_unused(comm));
  PetscCheck(picture_height >= 32 && picture_height <= 8192, comm, PETSC_ERR_USER_INPUT,
             "Option -png_height: %" PetscInt_FMT "; allowed 32..8192", picture_height);
  PetscCall(structure_format_from_name(format_name, "-format", &format));
  /* An output folder that cannot be written is an error before any work (and before the
   * structure file is written when only the picture's folder is bad). */
  PetscCall(options_check_output_folder("-o", output));
  PetscCall(options_check_output_folder("-png", picture));
  PetscCall(check_outputs(comm, output, picture, distributions.cif));
  /* A bad extension is an error before any work. */
  if (output[0] && format == STRUCTURE_FORMAT_AUTO) PetscCall(structure_format_from_path(output, &format));

  PetscCall(provenance_create(comm, &provenance));
  PetscCall(parallel_is_root(comm, &root));
  /* One structure: rank 0 builds it; other ranks have nothing to do. */
  if (root) {
    AtomList      *atoms;
    PetscLogDouble start, built, written;
    char           description[512], *comment;
    double         low[3], high[3];
    PetscInt       per_class[4] = {0, 0, 0, 0};
    PetscCall(structure_recipe_sample(&distributions, (uint64_t)seed, (uint64_t)unit, &recipe));
    PetscCall(structure_recipe_describe(&recipe, description, sizeof description));
    PetscCall(atom_list_create(0, &atoms));
    PetscCall(PetscTime(&start));
    PetscCall(PetscLogEventBegin(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
    {
      PetscErrorCode ierr = structure_recipe_build(&recipe, (uint64_t)seed, (uint64_t)unit, atoms);
      if (ierr) { /* free what we hold before the error goes up (-malloc_dump stays clean) */
        PetscCall(atom_list_destroy(&atoms));
        PetscCall(provenance_destroy(&provenance));
      }
      PetscCall(ierr);
    }
    PetscCall(PetscLogEventEnd(NF_EVENT_STRUCTURE, 0, 0, 0, 0));
    PetscCall(PetscTime(&built));
    PetscCall(provenance_one_line(provenance, &comment));
    {
      PetscErrorCode ierr = 0;
      if (output[0]) ierr = structure_write(output, format, atoms, comment);
      if (!ierr && picture[0]) ierr = structure_write_picture(picture, atoms, (int)picture_height);
      if (ierr) { /* e.g. an unwritable folder: free what we hold, then report */
        PetscCall(PetscFree(comment));
        PetscCall(atom_list_destroy(&atoms));
        PetscCall(provenance_destroy(&provenance));
      }
      PetscCall(ierr);
    }
    PetscCall(PetscTime(&written));
    PetscCall(PetscFree(comment));

    for (PetscInt i = 0; i < atoms->n; i++)
      if (atoms->atom_class[i] >= 1 && atoms->atom_class[i] <= 3) per_class[atoms->atom_class[i]]++;
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "built: %s (seed %" PetscInt64_FMT ", unit %" PetscInt64_FMT ")\n",
                          description, seed, unit));
    PetscCall(structure_recipe_symmetry_note(&recipe, description, sizeof description));
    if (description[0]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "symmetry: %s\n", description));
    PetscCall(PetscPrintf(
      PETSC_COMM_SELF,
      "atoms: %" PetscInt_FMT " (particle %" PetscInt_FMT ", support %" PetscInt_FMT ", other %" PetscInt_FMT ")\n",
      atoms->n, per_class[ATOM_CLASS_PARTICLE], per_class[ATOM_CLASS_SUPPORT], per_class[ATOM_CLASS_OTHER]));
    if (atom_list_bounds(atoms, low, high))
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "bounds: x [%.2f, %.2f]  y [%.2f, %.2f]  z [%.2f, %.2f] Å\n", low[0],
                            high[0], low[1], high[1], low[2], high[2]));
    if (atoms->cell[0][0] > 0)
      PetscCall(PetscPrintf(PETSC_COMM_SELF, "cell: %.2f x %.2f x %.2f Å (periodic in x and y)\n", atoms->cell[0][0],
                            atoms->cell[1][1], atoms->cell[2][2]));
    PetscCall(PetscPrintf(PETSC_COMM_SELF, "time: build %.4f s (%.3g atoms/s), write %.4f s\n", built - start,
                          atoms->n / PetscMax(built - start, 1e-9), written - built));
    if (output[0]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote: %s (%s)\n", output, structure_format_name(format)));
    if (picture[0]) PetscCall(PetscPrintf(PETSC_COMM_SELF, "wrote: %s (picture)\n", picture));
    PetscCall(atom_list_destroy(&atoms));
  }
  PetscCall(provenance_destroy(&provenance));
  PetscFunctionReturn(0);
}
