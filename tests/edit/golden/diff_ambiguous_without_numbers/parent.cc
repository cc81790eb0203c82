// EVOLVE-BLOCK-START
int f(int x) {
  int y = x;
  y += 1;
  return y;
}

int g(int x) {
  int y = x;
  y += 1;
  return y;
}
// EVOLVE-BLOCK-END
