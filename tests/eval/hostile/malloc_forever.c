/* Hostile: allocates and touches memory without end. With "checked" it reports the failed
   allocation on stderr and exits 1; otherwise it writes through the null pointer like code that
   never checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  const int checked = argc > 2 && strcmp(argv[2], "checked") == 0;
  const size_t chunk = 1 << 20;
  for (;;) {
    char* p = malloc(chunk);
    if (p == NULL && checked) {
      fprintf(stderr, "malloc: out of memory\n");
      return 1;
    }
    memset(p, 1, chunk);
  }
}
