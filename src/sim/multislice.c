/* multislice.c — serial multislice on single-precision FFTW, frozen phonons, exit waves. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>
#include "core/error_check.h"
#include "sim/multislice.h"
#include "phase_factor.h"
#include "core/rng.h"
#include "core/timing.h"

/* Frequency [1/Å] of FFT index p on n points of pixel size s. */
static double frequency(PetscInt p, PetscInt n, double s)
{
  return (double)(p < (n + 1) / 2 ? p : p - n) / ((double)n * s);
}

void multislice_propagator_rows(const SimulationGrid *grid, PetscInt first_row, PetscInt n_rows,
                                float _Complex *propagator, float *mask)
{
  const size_t n       = (size_t)grid->nx * (size_t)grid->ny;
  const double k_limit = grid->band_limit * PetscMin(0.5 / grid->sampling[0], 0.5 / grid->sampling[1]);
  const double tilt_x = tan(grid->beam_tilt[0] * 1e-3), tilt_y = tan(grid->beam_tilt[1] * 1e-3);
  const double dz = grid->slice_thickness, lambda = grid->wavelength;
  for (PetscInt j = 0; j < n_rows; j++) {
    const double ky = frequency(first_row + j, grid->ny, grid->sampling[1]);
    for (PetscInt p = 0; p < grid->nx; p++) {
      const double kx = frequency(p, grid->nx, grid->sampling[0]), k2 = kx * kx + ky * ky;
      const size_t at     = (size_t)j * (size_t)grid->nx + (size_t)p;
      const double inside = (sqrt(k2) <= k_limit) ? 1.0 : 0.0;
      const double phase  = -M_PI * lambda * dz * k2 - 2.0 * M_PI * dz * (kx * tilt_x + ky * tilt_y);
      mask[at]            = (float)(inside / (double)n);
      /* 1/N: FFTW's transforms are unnormalised; folding it in here saves a pass. */
      propagator[at] = (float _Complex)(inside / (double)n * (cos(phase) + I * sin(phase)));
    }
  }
}

PetscErrorCode multislice_create(const SimulationGrid *grid, Multislice **out)
{
  Multislice  *ms;
  const size_t n       = (size_t)grid->nx * (size_t)grid->ny;
  const double k_limit = grid->band_limit * PetscMin(0.5 / grid->sampling[0], 0.5 / grid->sampling[1]);
  const double dz = grid->slice_thickness, lambda = grid->wavelength;

  PetscFunctionBeginUser;
  PetscCheck(grid->nx > 0 && grid->ny > 0 && grid->wavelength > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_WRONGSTATE,
             "simulation grid not set up");
  PetscCall(PetscCalloc1(1, &ms));
  ms->nx                      = grid->nx;
  ms->ny                      = grid->ny;
  ms->sampling[0]             = grid->sampling[0];
  ms->sampling[1]             = grid->sampling[1];
  ms->wavelength              = lambda;
  ms->sigma                   = grid->interaction_constant;
  ms->slice_thickness         = dz;
  ms->band_limited            = grid->band_limit < M_SQRT2;
  ms->transmission_band_limit = grid->transmission_band_limit;
  ms->work                    = fftwf_alloc_complex(n);
  ms->propagator              = fftwf_alloc_complex(n);
  ms->mask                    = fftwf_alloc_real(n);
  PetscCheck(ms->work && ms->propagator && ms->mask, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "cannot allocate %" PetscInt_FMT " x %" PetscInt_FMT " multislice arrays", grid->nx, grid->ny);
  PetscCall(simulation_grid_wisdom_import(grid->fftw_wisdom));
  SIMULATION_FFT_PLAN(ms->forward,
                      fftwf_plan_dft_2d((int)grid->ny, (int)grid->nx, ms->work, ms->work, FFTW_FORWARD, flags));
  PetscCheckFFTWPlan(ms->forward, "the forward multislice FFT");
  SIMULATION_FFT_PLAN(ms->backward,
                      fftwf_plan_dft_2d((int)grid->ny, (int)grid->nx, ms->work, ms->work, FFTW_BACKWARD, flags));
  PetscCheckFFTWPlan(ms->backward, "the inverse multislice FFT");
  {
    /* Rows that can hold a frequency inside the disk: |ky| <= k_limit. */
    const PetscInt r = (PetscInt)floor(k_limit * (double)grid->ny * grid->sampling[1] + 1e-9);
    if (ms->band_limited && r >= 1 && 2 * r + 1 < grid->ny) {
      const int       length_y[1] = {(int)grid->ny}, length_x[1] = {(int)grid->nx};
      float _Complex *top = ms->work + (size_t)(grid->ny - r) * (size_t)grid->nx;
      ms->band_rows       = r;
      SIMULATION_FFT_PLAN(ms->column_forward,
                          fftwf_plan_many_dft(1, length_y, (int)grid->nx, ms->work, NULL, (int)grid->nx, 1, ms->work,
                                              NULL, (int)grid->nx, 1, FFTW_FORWARD, flags));
      SIMULATION_FFT_PLAN(ms->column_backward,
                          fftwf_plan_many_dft(1, length_y, (int)grid->nx, ms->work, NULL, (int)grid->nx, 1, ms->work,
                                              NULL, (int)grid->nx, 1, FFTW_BACKWARD, flags));
      SIMULATION_FFT_PLAN(ms->row_forward[0],
                          fftwf_plan_many_dft(1, length_x, (int)(r + 1), ms->work, NULL, 1, (int)grid->nx, ms->work,
                                              NULL, 1, (int)grid->nx, FFTW_FORWARD, flags));
      SIMULATION_FFT_PLAN(ms->row_forward[1], fftwf_plan_many_dft(1, length_x, (int)r, top, NULL, 1, (int)grid->nx, top,
                                                                  NULL, 1, (int)grid->nx, FFTW_FORWARD, flags));
      SIMULATION_FFT_PLAN(ms->row_backward[0],
                          fftwf_plan_many_dft(1, length_x, (int)(r + 1), ms->work, NULL, 1, (int)grid->nx, ms->work,
                                              NULL, 1, (int)grid->nx, FFTW_BACKWARD, flags));
      SIMULATION_FFT_PLAN(ms->row_backward[1], fftwf_plan_many_dft(1, length_x, (int)r, top, NULL, 1, (int)grid->nx,
                                                                   top, NULL, 1, (int)grid->nx, FFTW_BACKWARD, flags));
      PetscCheckFFTWPlan(ms->column_forward, "the pruned forward column FFTs");
      PetscCheckFFTWPlan(ms->column_backward, "the pruned inverse column FFTs");
      for (int h = 0; h < 2; h++) {
        PetscCheckFFTWPlan(ms->row_forward[h], "the pruned forward row FFTs");
        PetscCheckFFTWPlan(ms->row_backward[h], "the pruned inverse row FFTs");
      }
    }
  }
  PetscCall(simulation_grid_wisdom_export(grid->fftw_wisdom));
  multislice_propagator_rows(grid, 0, grid->ny, ms->propagator, ms->mask);
  /* Spans of the disk per row (from the mask itself, so they cover every nonzero entry). */
  PetscCall(PetscMalloc1(2 * grid->ny, &ms->row_span));
  for (PetscInt q = 0; q < grid->ny; q++) {
    const float   *row  = ms->mask + (size_t)q * (size_t)grid->nx;
    const PetscInt half = (grid->nx + 1) / 2;
    PetscInt       a = 0, b = grid->nx;
    for (PetscInt p = 0; p < half; p++)
      if (row[p] != 0.0f) a = p + 1;
    for (PetscInt p = grid->nx - 1; p >= half; p--)
      if (row[p] != 0.0f) b = p;
    ms->row_span[2 * q]     = a;
    ms->row_span[2 * q + 1] = PetscMax(b, a);
  }
  *out = ms;
  PetscFunctionReturn(0);
}

PetscErrorCode multislice_destroy(Multislice **multislice)
{
  Multislice *ms = *multislice;
  PetscFunctionBeginUser;
  if (!ms) PetscFunctionReturn(0);
  if (ms->forward) fftwf_destroy_plan(ms->forward);
  if (ms->backward) fftwf_destroy_plan(ms->backward);
  if (ms->column_forward) fftwf_destroy_plan(ms->column_forward);
  if (ms->column_backward) fftwf_destroy_plan(ms->column_backward);
  for (int h = 0; h < 2; h++) {
    if (ms->row_forward[h]) fftwf_destroy_plan(ms->row_forward[h]);
    if (ms->row_backward[h]) fftwf_destroy_plan(ms->row_backward[h]);
  }
  fftwf_free(ms->work);
  fftwf_free(ms->propagator);
  fftwf_free(ms->mask);
  fftwf_free(ms->transmission);
  PetscCall(PetscFree(ms->row_span));
  PetscCall(PetscFree(*multislice));
  PetscFunctionReturn(0);
}

void multislice_plane_wave(const Multislice *multislice, float _Complex *wave)
{
  const size_t n = (size_t)multislice->nx * (size_t)multislice->ny;
  for (size_t i = 0; i < n; i++) wave[i] = 1.0f;
}

/* Forward transform of data (aligned like work) that is right only on the band rows: columns,
 * then the band rows. The other rows are left with column transforms: the caller zeroes them
 * (its mask or propagator is zero there). */
static void forward_band(const Multislice *ms, float _Complex *data)
{
  const size_t top = (size_t)(ms->ny - ms->band_rows) * (size_t)ms->nx;
  fftwf_execute_dft(ms->column_forward, data, data);
  fftwf_execute_dft(ms->row_forward[0], data, data);
  fftwf_execute_dft(ms->row_forward[1], data + top, data + top);
}

/* Inverse transform of a spectrum that is zero outside the band rows. */
static void backward_band(const Multislice *ms, float _Complex *data)
{
  const size_t top = (size_t)(ms->ny - ms->band_rows) * (size_t)ms->nx;
  fftwf_execute_dft(ms->row_backward[0], data, data);
  fftwf_execute_dft(ms->row_backward[1], data + top, data + top);
  fftwf_execute_dft(ms->column_backward, data, data);
}

/* Pruned plans apply when they exist and the array is aligned as work, including its top rows. */
static int can_prune(const Multislice *ms, float _Complex *data)
{
  const size_t top = (size_t)(ms->ny - ms->band_rows) * (size_t)ms->nx;
  return ms->band_rows > 0 && fftwf_alignment_of((float *)data) == fftwf_alignment_of((float *)ms->work) &&
         fftwf_alignment_of((float *)(data + top)) == fftwf_alignment_of((float *)(ms->work + top));
}

/* data ← data · factor on the disk spans, 0 elsewhere: the mask and the propagator vanish outside
 * the disk, so only ~35 % of the grid is read and multiplied (and the rows a pruned forward
 * transform left unfinished are zeroed on the way). */
static void multiply_spans(const Multislice *ms, float _Complex *data, const float *mask,
                           const float _Complex *propagator)
{
  const PetscInt nx = ms->nx;
  for (PetscInt j = 0; j < ms->ny; j++) {
    const PetscInt a = ms->row_span[2 * j], b = ms->row_span[2 * j + 1];
    const size_t   at            = (size_t)j * (size_t)nx;
    float _Complex *restrict row = data + at;
    if (mask) {
      const float *restrict m = mask + at;
      for (PetscInt i = 0; i < a; i++) row[i] *= m[i];
      for (PetscInt i = b; i < nx; i++) row[i] *= m[i];
    } else {
      const float _Complex *restrict p = propagator + at;
      for (PetscInt i = 0; i < a; i++) row[i] *= p[i];
      for (PetscInt i = b; i < nx; i++) row[i] *= p[i];
    }
    if (b > a) memset(row + a, 0, sizeof(float _Complex) * (size_t)(b - a));
  }
}

PetscErrorCode multislice_transmission_shifted(Multislice *ms, const float *potential, float shift,
                                               float _Complex *transmission)
{
  const size_t n     = (size_t)ms->nx * (size_t)ms->ny;
  const float  sigma = (float)ms->sigma;
  /* Work in the caller's array when FFTW may execute the plans on it (same alignment). */
  const int in_place         = fftwf_alignment_of((float *)transmission) == fftwf_alignment_of((float *)ms->work);
  float _Complex *restrict t = in_place ? transmission : ms->work;

  PetscFunctionBeginUser;
  for (size_t i = 0; i < n; i++) t[i] = phase_factor(sigma * (potential[i] + shift));
  /* Band limit off (>= √2 of Nyquist: the disk covers the grid), or not asked for. */
  if (ms->band_limited && ms->transmission_band_limit) {
    const int pruned = can_prune(ms, t);
    if (pruned)
      forward_band(ms, t);
    else
      fftwf_execute_dft(ms->forward, t, t);
    multiply_spans(ms, t, ms->mask, NULL); /* mask holds 1/N inside the band, 0 outside */
    if (pruned)
      backward_band(ms, t);
    else
      fftwf_execute_dft(ms->backward, t, t);
  }
  if (!in_place) memcpy(transmission, t, n * sizeof(float _Complex));
  PetscFunctionReturn(0);
}

PetscErrorCode multislice_transmission(Multislice *ms, const float *potential, float _Complex *transmission)
{
  PetscFunctionBeginUser;
  PetscCall(multislice_transmission_shifted(ms, potential, 0.0f, transmission));
  PetscFunctionReturn(0);
}

/* wave ← IFFT[P · FFT[t · wave]], t given as an array (transmission), or as exp(iσ(v + shift))
 * computed in the same pass (potential), or 1 (both NULL). In place on the caller's wave when its
 * alignment matches the planned array (FFTW's new-array execute rule); else through work. */
static void transmit_and_propagate(Multislice *ms, const float _Complex *transmission, const float *potential,
                                   float shift, float _Complex *wave)
{
  const size_t    n        = (size_t)ms->nx * (size_t)ms->ny;
  const float     sigma    = (float)ms->sigma;
  const int       in_place = fftwf_alignment_of((float *)wave) == fftwf_alignment_of((float *)ms->work);
  float _Complex *w        = in_place ? wave : ms->work;

  if (!in_place) memcpy(w, wave, n * sizeof(float _Complex));
  if (transmission) {
    float _Complex *restrict out     = w;
    const float _Complex *restrict t = transmission;
    for (size_t i = 0; i < n; i++) out[i] *= t[i];
  } else if (potential) {
    float _Complex *restrict out = w;
    const float *restrict v      = potential;
    for (size_t i = 0; i < n; i++) out[i] *= phase_factor(sigma * (v[i] + shift));
  }
  if (can_prune(ms, w)) {
    forward_band(ms, w);
    multiply_spans(ms, w, NULL, ms->propagator); /* also zeroes the rows the pruned forward skipped */
    backward_band(ms, w);
  } else {
    fftwf_execute_dft(ms->forward, w, w);
    multiply_spans(ms, w, NULL, ms->propagator);
    fftwf_execute_dft(ms->backward, w, w);
  }
  if (!in_place) memcpy(wave, w, n * sizeof(float _Complex));
}

PetscErrorCode multislice_step(Multislice *ms, const float _Complex *transmission, float _Complex *wave)
{
  PetscFunctionBeginUser;
  transmit_and_propagate(ms, transmission, NULL, 0.0f, wave);
  PetscFunctionReturn(0);
}

PetscErrorCode multislice_slice(Multislice *ms, const float *potential, float shift, float _Complex *wave)
{
  PetscFunctionBeginUser;
  if (potential && ms->band_limited && ms->transmission_band_limit) {
    /* The band limit of t needs t as an array: a separate buffer (work is the FFT buffer). */
    if (!ms->transmission) {
      ms->transmission = fftwf_alloc_complex((size_t)ms->nx * (size_t)ms->ny);
      PetscCheck(ms->transmission, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate the transmission array");
    }
    PetscCall(multislice_transmission_shifted(ms, potential, shift, ms->transmission));
    transmit_and_propagate(ms, ms->transmission, NULL, 0.0f, wave);
  } else {
    transmit_and_propagate(ms, NULL, potential, shift, wave);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode phonon_positions(const AtomList *atoms, PetscInt config, uint64_t seed, uint64_t unit,
                                double (*position)[3])
{
  RngStream stream;

  PetscFunctionBeginUser;
  memcpy(position, atoms->position, sizeof(double[3]) * (size_t)atoms->n);
  if (config < 0) PetscFunctionReturn(0);
  PetscCheck(config < (1 << 23), PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE,
             "phonon configuration %" PetscInt_FMT " out of range", config);
  /* One stream per configuration: configuration c never depends on the others. */
  rng_stream_init(&stream, seed, unit, (uint32_t)RNG_PURPOSE_PHONON + 256u * (uint32_t)config);
  for (PetscInt i = 0; i < atoms->n; i++) {
    const double rms = atoms->thermal_rms ? atoms->thermal_rms[i] : 0.0;
    for (int d = 0; d < 3; d++) position[i][d] += rms * rng_normal(&stream);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode exit_waves_destroy(ExitWaves **exit_waves)
{
  PetscFunctionBeginUser;
  if (!*exit_waves) PetscFunctionReturn(0);
  fftwf_free((*exit_waves)->wave);
  PetscCall(PetscFree(*exit_waves));
  PetscFunctionReturn(0);
}

PetscErrorCode exit_waves_create(const SimulationGrid *grid, PetscInt n_configs, ExitWaves **out)
{
  ExitWaves     *ew;
  const PetscInt n_waves = PetscMax(n_configs, 1);
  PetscFunctionBeginUser;
  PetscCheck(n_configs >= 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
             "frozen-phonon configurations %" PetscInt_FMT ": must be >= 0", n_configs);
  PetscCall(PetscCalloc1(1, &ew));
  ew->nx          = grid->nx;
  ew->ny          = grid->ny;
  ew->n_configs   = n_waves;
  ew->sampling[0] = grid->sampling[0];
  ew->sampling[1] = grid->sampling[1];
  ew->wavelength  = grid->wavelength;
  ew->wave        = fftwf_alloc_complex((size_t)grid->nx * (size_t)grid->ny * (size_t)n_waves);
  PetscCheck(ew->wave, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "cannot allocate %" PetscInt_FMT " exit waves of %" PetscInt_FMT " x %" PetscInt_FMT, n_waves, grid->nx,
             grid->ny);
  *out = ew;
  PetscFunctionReturn(0);
}

PetscErrorCode sliced_atoms_create(const SimulationGrid *grid, const AtomList *atoms, SlicedAtoms **out)
{
  SlicedAtoms   *sliced;
  const PetscInt na = PetscMax(atoms->n, 1);
  PetscFunctionBeginUser;
  PetscCall(PetscNew(&sliced));
  sliced->n_slices = grid->n_slices;
  PetscCall(PetscMalloc1(na, &sliced->displaced));
  PetscCall(PetscMalloc6(grid->n_slices + 1, &sliced->offset, na, &sliced->position, na, &sliced->z, na,
                         &sliced->occupancy, na, &sliced->slice_of, grid->n_slices + 1, &sliced->fill));
  *out = sliced;
  PetscFunctionReturn(0);
}

PetscErrorCode sliced_atoms_destroy(SlicedAtoms **sliced)
{
  PetscFunctionBeginUser;
  if (!*sliced) PetscFunctionReturn(0);
  PetscCall(PetscFree((*sliced)->displaced));
  PetscCall(PetscFree6((*sliced)->offset, (*sliced)->position, (*sliced)->z, (*sliced)->occupancy, (*sliced)->slice_of,
                       (*sliced)->fill));
  PetscCall(PetscFree(*sliced));
  PetscFunctionReturn(0);
}

PetscErrorCode sliced_atoms_fill(SlicedAtoms *sliced, const SimulationGrid *grid, const AtomList *atoms,
                                 PetscInt config, uint64_t seed, uint64_t unit)
{
  PetscFunctionBeginUser;
  PetscCall(phonon_positions(atoms, config, seed, unit, sliced->displaced));
  PetscCall(PetscArrayzero(sliced->offset, grid->n_slices + 1));
  for (PetscInt i = 0; i < atoms->n; i++) {
    PetscInt s          = (PetscInt)floor(sliced->displaced[i][2] / grid->slice_thickness);
    s                   = PetscMin(PetscMax(s, 0), grid->n_slices - 1);
    sliced->slice_of[i] = s;
    sliced->offset[s + 1]++;
  }
  for (PetscInt s = 0; s < grid->n_slices; s++) sliced->offset[s + 1] += sliced->offset[s];
  PetscCall(PetscArraycpy(sliced->fill, sliced->offset, grid->n_slices + 1));
  /* Stable: the atoms of a slice keep their order in the list. */
  for (PetscInt i = 0; i < atoms->n; i++) {
    PetscInt to = sliced->fill[sliced->slice_of[i]]++;
    memcpy(sliced->position[to], sliced->displaced[i], sizeof(double[3]));
    sliced->z[to]         = atoms->atomic_number[i];
    sliced->occupancy[to] = atoms->occupancy ? atoms->occupancy[i] : 1.0f;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode exit_waves_compute(const SimulationGrid *grid, const AtomList *atoms, PetscInt n_configs, uint64_t seed,
                                  uint64_t unit, ExitWaves **out)
{
  ExitWaves       *ew;
  Multislice      *ms;
  PotentialTables *tables;
  SlicedAtoms     *sliced;
  float           *potential;
  const size_t     n = (size_t)grid->nx * (size_t)grid->ny;

  PetscFunctionBeginUser;
  PetscCall(exit_waves_create(grid, n_configs, &ew));
  PetscCall(multislice_create(grid, &ms));
  PetscCall(potential_tables_create(grid, atoms, 0, &tables));
  PetscCall(sliced_atoms_create(grid, atoms, &sliced));
  potential = fftwf_alloc_real(n);
  PetscCheck(potential, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate slice arrays");
  for (PetscInt c = 0; c < ew->n_configs; c++) {
    float _Complex *wave = ew->wave + (size_t)c * n;
    PetscCall(sliced_atoms_fill(sliced, grid, atoms, n_configs == 0 ? -1 : c, seed, unit));
    multislice_plane_wave(ms, wave);
    for (PetscInt s = 0; s < grid->n_slices; s++) {
      const PetscInt first = sliced->offset[s], count = sliced->offset[s + 1] - first;
      float          shift = 0.0f;
      PetscCall(PetscLogEventBegin(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
      if (count > 0) {
        memset(potential, 0, n * sizeof(float));
        PetscCall(potential_slice_add_unshifted(tables, count, (const double(*)[3])(sliced->position + first),
                                                sliced->z + first, sliced->occupancy + first, 0, grid->ny, potential,
                                                &shift));
      }
      PetscCall(PetscLogEventEnd(NF_EVENT_POTENTIAL, 0, 0, 0, 0));
      PetscCall(PetscLogEventBegin(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
      /* An empty slice transmits 1: propagation only. */
      PetscCall(multislice_slice(ms, count > 0 ? potential : NULL, shift, wave));
      PetscCall(PetscLogEventEnd(NF_EVENT_MULTISLICE, 0, 0, 0, 0));
    }
  }
  fftwf_free(potential);
  PetscCall(sliced_atoms_destroy(&sliced));
  PetscCall(potential_tables_destroy(&tables));
  PetscCall(multislice_destroy(&ms));
  *out = ew;
  PetscFunctionReturn(0);
}
