/* electron.h — relativistic electron wavelength and interaction constant
 * (Kirkland, Advanced Computing in Electron Microscopy, 2nd ed., 2010, eqs. 2.5 and 5.6),
 * from CODATA 2018 constants.
 *
 *   λ = h c / sqrt(e V (2 m0 c² + e V))                          [Å]
 *   σ = 2π m e λ / h²  = (2π / (λ V)) (m0 c² + e V) / (2 m0 c² + e V)   [rad/(V·Å)]
 * with V the accelerating voltage and m = γ m0 the relativistic mass.
 */
#pragma once

/* Relativistic wavelength [Å] at the accelerating voltage [kV]; 0.0196874889 Å at 300 kV. */
double electron_wavelength(double voltage_kv);
/* Interaction constant σ [rad/(V·Å)] at the accelerating voltage [kV]; 6.526161e-4 at 300 kV.
 * A projected potential v_z [V·Å] shifts the phase of the wave by σ v_z [rad]. */
double electron_interaction_constant(double voltage_kv);
