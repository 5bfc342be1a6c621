// Native Annoy answering queries on a .ann file, for test/annoy-format.test.ts. Built at test time against
// Debian's annoylib.h (package r-cran-rcppannoy: Annoy's header as RcppAnnoy ships it), single-threaded, plain
// -O2 (no -march): every metric, dot and hamming included, which the npm `annoy` binding cannot load.
//
//   annoy-harness METRIC F FILE < queries
// METRIC: angular | euclidean | manhattan | dot | hamming; F: dimensions (hamming: bits). Each query line is
//   v K SEARCH_K x_1 ... x_F     (a vector; hamming: 0/1 per bit)
//   i K SEARCH_K ID              (an item)
// Each answer line: "N id_1 ... id_N d_1 ... d_N" (distances as %.9g, which float32 round-trips). First line out:
// "items N_ITEMS".
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#include "kissrandom.h"
#include "annoylib.h"

// A vector as the index stores it: floats as they are; hamming bits packed LSB-first into 64-bit words.
static void put(std::vector<float>& v, int j, double x) { v[j] = (float)x; }
static void put(std::vector<uint64_t>& v, int j, double x) { if (x > 0.5) v[j / 64] |= (uint64_t)1 << (j % 64); }

template <typename T, typename D>
int serve(int f, int words, const char* file) {
  AnnoyIndex<int32_t, T, D, Kiss64Random, AnnoyIndexSingleThreadedBuildPolicy> index(words);
  char* error = nullptr;
  if (!index.load(file, false, &error)) { std::fprintf(stderr, "load %s: %s\n", file, error ? error : "?"); return 2; }
  std::printf("items %d\n", (int)index.get_n_items());
  char kind[8];
  int k, searchK;
  while (std::scanf("%7s %d %d", kind, &k, &searchK) == 3) {
    std::vector<int32_t> ids;
    std::vector<T> distances;
    if (kind[0] == 'i') {
      int id;
      if (std::scanf("%d", &id) != 1) return 3;
      index.get_nns_by_item(id, k, searchK, &ids, &distances);
    } else {
      std::vector<T> v(words, 0);
      for (int j = 0; j < f; j++) {
        double x;
        if (std::scanf("%lf", &x) != 1) return 3;
        put(v, j, x);
      }
      index.get_nns_by_vector(v.data(), k, searchK, &ids, &distances);
    }
    std::printf("%zu", ids.size());
    for (int32_t id : ids) std::printf(" %d", id);
    for (T d : distances) std::printf(" %.9g", (double)d);
    std::printf("\n");
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: annoy-harness METRIC F FILE < queries\n"); return 1; }
  std::string metric = argv[1];
  int f = std::atoi(argv[2]);
  if (metric == "angular") return serve<float, Angular>(f, f, argv[3]);
  if (metric == "euclidean") return serve<float, Euclidean>(f, f, argv[3]);
  if (metric == "manhattan") return serve<float, Manhattan>(f, f, argv[3]);
  if (metric == "dot") return serve<float, DotProduct>(f, f, argv[3]);
  if (metric == "hamming") return serve<uint64_t, Hamming>(f, (f + 63) / 64, argv[3]);
  std::fprintf(stderr, "unknown metric %s\n", argv[1]);
  return 1;
}
