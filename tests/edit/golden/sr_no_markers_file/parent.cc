int Square(int x) {
  return x * x;
}

int Cube(int x) {
  return x * x * x;
}
