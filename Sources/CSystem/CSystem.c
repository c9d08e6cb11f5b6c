// Empty translation unit: CSystem only re-exports system headers.
#include "CSystem.h"
