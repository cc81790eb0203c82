/* Hostile: fails an assertion the way a C++ runtime would, with abort(). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  fprintf(stderr, "terminate called after throwing an instance of 'std::logic_error'\n");
  abort();
}
