// SPDX-License-Identifier: MIT
// keel::compiled: the definitions of keel/regime.hpp's double kernels (Baum-Welch, the scaled
// forward-backward recursions, Viterbi), once.
#include <keel/detail/regime-inl.hpp>
#include <keel/regime.hpp>
