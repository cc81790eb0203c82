// Circle packing: n circles in the unit square, as large as possible. PackCircles returns the
// centres and radii; the checker (checker.cc) takes nothing on trust and scores the sum of radii.
// The seed places the circles on a grid of rows, then runs a short penalty-gradient optimizer
// and shrinks the radii until no circle leaves the square or overlaps another.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

struct Circle {
  double x, y, r;
};

// EVOLVE-BLOCK-START
// The largest radii that fit these centres: each circle inside the square, then every pair that
// overlaps shrunk in proportion (shrinking never creates an overlap, so one pass is enough).
void ShrinkToFit(std::vector<Circle>& c) {
  for (Circle& a : c) a.r = std::max(0.0, std::min({a.r, a.x, a.y, 1 - a.x, 1 - a.y}));
  for (size_t i = 0; i < c.size(); ++i) {
    for (size_t j = i + 1; j < c.size(); ++j) {
      const double d = std::hypot(c[i].x - c[j].x, c[i].y - c[j].y);
      if (c[i].r + c[j].r > d) {
        const double scale = d / (c[i].r + c[j].r);
        c[i].r *= scale;
        c[j].r *= scale;
      }
    }
  }
}

// Rows of circles: `rows` rows, the circles spread as evenly as the count allows, odd rows
// shifted by half a spacing; a little deterministic jitter breaks the symmetry.
std::vector<Circle> GridStart(int n, int rows, uint64_t seed) {
  std::vector<Circle> c;
  for (int row = 0; row < rows; ++row) {
    const int in_row = n / rows + (row < n % rows ? 1 : 0);
    for (int k = 0; k < in_row; ++k) {
      const double shift = row % 2 == 1 ? 0.25 : 0.0;
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const double jitter = 0.01 * (static_cast<double>(seed >> 11) * 0x1.0p-53 - 0.5);
      c.push_back({(k + 0.5 + shift) / (in_row + 0.5), (row + 0.5) / rows + jitter, 0.05});
    }
  }
  return c;
}

// Gradient steps on  -sum(r) / weight + (squared overlaps + squared distances outside the
// square), the weight growing each step so that the result ends nearly feasible. Dividing by
// the weight keeps the steps stable however stiff the penalty gets.
void Optimize(std::vector<Circle>& c, int steps, double step_size, double weight, double growth) {
  const size_t n = c.size();
  std::vector<Circle> g(n);
  for (int s = 0; s < steps; ++s) {
    for (size_t i = 0; i < n; ++i) g[i] = {0.0, 0.0, -1.0 / weight};
    for (size_t i = 0; i < n; ++i) {
      const double out[4] = {c[i].r - c[i].x, c[i].r - c[i].y, c[i].r + c[i].x - 1,
                             c[i].r + c[i].y - 1};
      const double dx[4] = {-1, 0, 1, 0}, dy[4] = {0, -1, 0, 1};
      for (int k = 0; k < 4; ++k) {
        if (out[k] > 0) {
          g[i].x += 2 * out[k] * dx[k];
          g[i].y += 2 * out[k] * dy[k];
          g[i].r += 2 * out[k];
        }
      }
      for (size_t j = i + 1; j < n; ++j) {
        const double ex = c[i].x - c[j].x, ey = c[i].y - c[j].y;
        const double d = std::max(1e-12, std::hypot(ex, ey));
        const double overlap = c[i].r + c[j].r - d;
        if (overlap > 0) {
          const double f = 2 * overlap;
          g[i].r += f;
          g[j].r += f;
          g[i].x -= f * ex / d;
          g[i].y -= f * ey / d;
          g[j].x += f * ex / d;
          g[j].y += f * ey / d;
        }
      }
    }
    for (size_t i = 0; i < n; ++i) {
      c[i].x = std::clamp(c[i].x - step_size * g[i].x, 0.0, 1.0);
      c[i].y = std::clamp(c[i].y - step_size * g[i].y, 0.0, 1.0);
      c[i].r = std::max(0.0, c[i].r - step_size * g[i].r);
    }
    weight *= growth;
  }
}

std::vector<Circle> PackCircles(int n) {
  const int rows = 5;           // choices: 4, 5, 6, 7
  const uint64_t seed = 12345;  // of the jitter
  std::vector<Circle> c = GridStart(n, rows, seed);
  // Steps, step size, the penalty's first weight and its growth per step.
  Optimize(c, 300, 0.05, 10.0, 1.01);
  ShrinkToFit(c);
  return c;
}
// EVOLVE-BLOCK-END
