int Square(int x) {
  return x * x;
}

int Cube(int x) {
  return Square(x) * x;
}
