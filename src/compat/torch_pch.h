// Precompiled header for every torch target: parsing <torch/torch.h> dominates
// compile time, so it is parsed once per target.
#pragma once
#include <torch/torch.h>
