int Square(int x) {
  return x * x;
}

int Cube(int x) {
  const int s = x * x;
  return s * x;
}
