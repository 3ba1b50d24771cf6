/* elements_kirkland.h — the generated Kirkland table (private to elements.c). */
#pragma once
#include "core/elements.h"
extern const char   kirkland_symbols[ELEMENT_MAX_Z + 1][4];
extern const double kirkland_parameters[ELEMENT_MAX_Z + 1][12];
