// A source that includes a header of the eval module. tests/include_walls/CMakeLists.txt builds it
// into probe modules that link eval and modules that do not: only the first may compile.
#include "eval/devices.h"

namespace kevolve::probe {

int DeviceUseBytes() { return static_cast<int>(sizeof(eval::DeviceUse)); }

}  // namespace kevolve::probe
