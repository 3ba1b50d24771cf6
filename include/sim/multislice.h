/* multislice.h — multislice propagation of a fast electron through a specimen
 * (Cowley & Moodie 1957; Kirkland 2010 ch. 6), frozen phonons, exit waves.
 *
 * Conventions (docs/physics-multislice.md): the beam travels along +z; a plane wave is
 * exp(+2πi k·r); a slice multiplies the wave by the transmission t(r) = exp(iσ v_z(r)), then the
 * wave is propagated over the slice thickness Δz with the Fresnel propagator
 * P(k) = exp(-iπλΔz|k|² - 2πiΔz(kx tanθx + ky tanθy)) (θ: beam tilt; the
 * cross term of a tilted wave's Fresnel phase, Kirkland 2010 eq. 6.92-like). Both t and P are limited
 * to |k| <= (2/3) k_Nyquist (circular; k_Nyquist = the smaller of 1/(2 sx), 1/(2 sy)).
 * Single-precision complex FFTW, planned once with FFTW_MEASURE; wisdom from grid->fftw_wisdom.
 * Waves are row-major [ny][nx] float _Complex, x fastest, normalised to mean intensity 1 for the
 * incident plane wave.
 */
#pragma once
#include <stdint.h>
#include <petscsys.h>
#include <fftw3.h>
#include "core/atom_list.h"
#include "sim/simulation_grid.h"
#include "sim/potential.h"

/* Plans, propagator and work arrays of one serial multislice on a set-up grid. */
typedef struct {
  PetscInt        nx, ny;                  /* grid size [px] */
  double          sampling[2];             /* pixel size [Å/px] */
  double          wavelength;              /* [Å] */
  double          sigma;                   /* interaction constant [rad/(V·Å)] */
  double          slice_thickness;         /* Δz of the propagator [Å] */
  PetscBool       band_limited;            /* false when grid->band_limit >= √2 (the disk covers the grid) */
  PetscBool       transmission_band_limit; /* band-limit t by an FFT pair (grid->transmission_band_limit) */
  float _Complex *propagator;              /* [ny][nx] P(k)·mask(k)/(nx·ny), FFT order */
  float          *mask;                    /* [ny][nx] 1/(nx·ny) inside the band limit, 0 outside, FFT order */
  float _Complex *work;                    /* [ny][nx] FFT buffer (the plans act in place on it) */
  fftwf_plan      forward;                 /* in place on work, FFTW_FORWARD */
  fftwf_plan      backward;                /* in place on work, FFTW_BACKWARD */
  /* Pruned transforms: only the band_rows rows nearest ky = 0 on each side carry anything after
   * the band limit, so the forward transform does the columns, then only those rows, and the
   * inverse only those rows, then the columns (5/6 of the work of a full pair). */
  PetscInt        band_rows; /* rows 0..band_rows and ny-band_rows..ny-1 hold the band; 0 = not pruned */
  fftwf_plan      column_forward, column_backward; /* nx transforms of length ny, stride nx */
  fftwf_plan      row_forward[2], row_backward[2]; /* [0]: rows 0..band_rows, [1]: the top band_rows rows */
  float _Complex *transmission;                    /* [ny][nx] t of multislice_slice (allocated on first use) */
  PetscInt       *row_span;                        /* [ny][2]: mask and propagator are zero in row j outside x indices
                                    [0, span[0]) and [span[1], nx) (the disk, in FFT order); the
                                    multiplies touch only the spans and zero the rest */
} Multislice;

/* Plans (FFTW_MEASURE; wisdom imported from and exported to grid->fftw_wisdom when set) and the
 * propagator for slices of grid->slice_thickness. */
PetscErrorCode multislice_create(const SimulationGrid *grid, Multislice **multislice);
PetscErrorCode multislice_destroy(Multislice **multislice);

/* transmission[ny][nx] = band-limited exp(iσ potential) (potential [ny][nx] in V·Å).
 * Costs one FFT pair (the band limit) unless transmission_band_limit is off, when t is exp(iσv)
 * of the (already Nyquist-limited) potential and only the propagator's mask limits the band.
 * `transmission` may not alias `work`. */
PetscErrorCode multislice_transmission(Multislice *multislice, const float *potential, float _Complex *transmission);

/* The same with a uniform `shift` [V·Å] added to every pixel of the potential (the deferred k = 0
 * part of potential_slice_add_unshifted): exp(iσ(v + shift)), with no extra pass. */
PetscErrorCode multislice_transmission_shifted(Multislice *multislice, const float *potential, float shift,
                                               float _Complex *transmission);

/* One slice straight from its potential (+ shift): the band-limited transmission, then the step;
 * with transmission_band_limit off, exp(iσ(v + shift)) is applied to the wave in the same pass
 * (no transmission array). Same bits as multislice_transmission_shifted + multislice_step.
 * potential == NULL: an empty slice (t = 1, propagation only). */
PetscErrorCode multislice_slice(Multislice *multislice, const float *potential, float shift, float _Complex *wave);

/* One slice: wave ← IFFT[P · FFT[t · wave]] (wave in real space, [ny][nx], in and out). */
PetscErrorCode multislice_step(Multislice *multislice, const float _Complex *transmission, float _Complex *wave);

/* Incident plane wave, 1 everywhere (tilt is carried by the propagator). */
void multislice_plane_wave(const Multislice *multislice, float _Complex *wave);

/* Exit waves of the frozen-phonon configurations of one specimen. */
typedef struct {
  PetscInt        nx, ny;      /* grid size [px] */
  PetscInt        n_configs;   /* configurations (1 for a static lattice) */
  double          sampling[2]; /* pixel size [Å/px] */
  double          wavelength;  /* [Å] */
  float _Complex *wave;        /* [n_configs][ny][nx] exit waves (owned; freed by destroy) */
} ExitWaves;

/* P(k)·mask(k)/(nx·ny) and mask(k)/(nx·ny) (FFT order) of grid rows first_row .. first_row+n_rows-1,
 * into propagator and mask [n_rows][nx]: the set-up that the serial multislice (all rows) and the
 * distributed one (the rows a rank owns) share. */
void multislice_propagator_rows(const SimulationGrid *grid, PetscInt first_row, PetscInt n_rows,
                                float _Complex *propagator, float *mask);

/* Empty exit waves for configurations 0..max(n_configs,1)-1 on the set-up grid (n_configs < 0: an error). */
PetscErrorCode exit_waves_create(const SimulationGrid *grid, PetscInt n_configs, ExitWaves **exit_waves);

/* The atoms of one frozen-phonon configuration sorted by slice (a stable counting sort): slice s
 * holds entries [offset[s], offset[s+1]) of position, z and occupancy. Shared by the serial and the
 * distributed exit waves, so both put the same atoms, in the same order, into each slice. */
typedef struct {
  PetscInt  n_slices;
  PetscInt *offset;       /* [n_slices + 1] */
  double (*position)[3];  /* [n][3] displaced positions [Å], sorted by slice */
  int   *z;               /* [n] atomic numbers, sorted */
  float *occupancy;       /* [n] occupancies, sorted */
  double (*displaced)[3]; /* [n][3] work: the configuration's positions in list order */
  PetscInt *slice_of;     /* [n] work */
  PetscInt *fill;         /* [n_slices + 1] work */
} SlicedAtoms;

PetscErrorCode sliced_atoms_create(const SimulationGrid *grid, const AtomList *atoms, SlicedAtoms **sliced);
/* Configuration `config` (phonon_positions: config < 0 is the static lattice) sorted by slice. */
PetscErrorCode sliced_atoms_fill(SlicedAtoms *sliced, const SimulationGrid *grid, const AtomList *atoms,
                                 PetscInt config, uint64_t seed, uint64_t unit);
PetscErrorCode sliced_atoms_destroy(SlicedAtoms **sliced);

/* Exit waves of `atoms` on the set-up grid for configurations 0..max(n_configs,1)-1.
 * n_configs = 0: static lattice (one wave, atoms at their positions). n_configs >= 1: each
 * configuration displaces every atom by independent N(0, thermal_rms²) in x, y and z, drawn from
 * the stream (seed, unit, RNG_PURPOSE_PHONON + 256·config) — so configuration c is the same
 * whatever else is computed. Average INTENSITIES after the lens over configurations, never waves.
 * Atoms belong to the slice containing their (displaced) z: slice s holds [s·Δz, (s+1)·Δz), so place
 * the structure inside [0, cell z); atoms outside are clamped into the first/last slice.
 * x and y are periodic (any value is wrapped into the cell). Events: NF_EVENT_POTENTIAL, _MULTISLICE. */
PetscErrorCode exit_waves_compute(const SimulationGrid *grid, const AtomList *atoms, PetscInt n_configs, uint64_t seed,
                                  uint64_t unit, ExitWaves **exit_waves);
PetscErrorCode exit_waves_destroy(ExitWaves **exit_waves);

/* Positions of configuration `config` (displaced as above; config < 0: undisplaced copy).
 * position: caller-allocated [atoms->n][3]. */
PetscErrorCode phonon_positions(const AtomList *atoms, PetscInt config, uint64_t seed, uint64_t unit,
                                double (*position)[3]);

/* Reference multislice written out with plain O(N⁴) DFTs (64² grids at most), in double: the
 * same transmission, band limit, propagator and tilt as the fast path, applied to given slice
 * potentials ([n_slices][ny][nx], V·Å) so a test isolates the propagation.
 * wave [ny][nx] is overwritten with the exit wave of a unit plane wave. */
PetscErrorCode multislice_ref(const SimulationGrid *grid, PetscInt n_slices, const float *potentials,
                              double _Complex *wave);

/* MPI path (src/sim/multislice_mpi.c): the same exit waves computed by the ranks of `group`
 * together, with slab-distributed 2-D FFTs (fftwf_mpi). Collective on `group`; every rank of the
 * group receives the full ExitWaves. Equal to exit_waves_compute to ~1e-5 relative. */
PetscErrorCode exit_waves_compute_mpi(MPI_Comm group, const SimulationGrid *grid, const AtomList *atoms,
                                      PetscInt n_configs, uint64_t seed, uint64_t unit, ExitWaves **exit_waves);
