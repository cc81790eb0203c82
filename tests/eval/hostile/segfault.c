/* Hostile: dereferences a null pointer. */
#include <stdio.h>

int main(void) {
  fprintf(stderr, "about to crash\n");
  fflush(stderr);
  volatile int* p = NULL;
  *p = 1;
  return 0;
}
