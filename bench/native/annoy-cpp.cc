// Annoy's own C++ (annoylib.h, fetched from Debian at bench time by bench/peers/native.mjs, never kept in this
// repository), called directly: the anchor the README's Annoy ratios are taken against. One thread (Annoy's
// single-threaded build policy), compiled -O3 -march=native -ffast-math -fno-associative-math as Annoy's Python wheel.
//
//   annoy-cpp train=<f32 file> queries=<f32 file> n=<rows> d=<dims> metric=angular|euclidean nq=<queries> k=10
//             passes=3 trees=10 grid=1000,2000,... file=<index path> out=<dir for ids-<i>.i32>
//
// Measured as bench/child.mjs measures the JS adapters (see harness.h): build = add_item for every row + build(trees);
// save (file size; Annoy then serves queries from the mmapped file, as it does after save in Python); per searchK,
// best of `passes` passes of get_nns_by_vector over the same queries.
#include "annoylib.h"
#include "kissrandom.h"
#include "harness.h"

namespace Annoy {}  // annoylib.h >= 1.17.1 puts everything in namespace Annoy; Debian's 1.17.0 does not
using namespace Annoy;

template <class Distance>
int run(const bench::Args& a) {
  const size_t n = a.num("n"), d = a.num("d"), nq = a.num("nq"), k = a.num("k");
  const int passes = a.num("passes"), trees = a.num("trees");
  std::vector<float> train = bench::readRows(a.str("train"), n, d);
  std::vector<float> queries = bench::readRows(a.str("queries"), nq, d);
  printf("{\"baselineRssMiB\":%.1f}\n", bench::peakRssMiB());

  AnnoyIndex<int32_t, float, Distance, Kiss64Random, AnnoyIndexSingleThreadedBuildPolicy> index(d);
  index.set_seed(42);
  double t0 = bench::now(), c0 = bench::cpuNow();
  for (size_t i = 0; i < n; i++) index.add_item(i, train.data() + i * d);
  double t1 = bench::now();
  char* error = nullptr;
  if (!index.build(trees, 1, &error)) throw std::runtime_error(std::string("build: ") + (error ? error : "?"));
  double t2 = bench::now(), c2 = bench::cpuNow();
  std::vector<float>().swap(train);  // as the JS adapters, the caller's copy of the rows is not the index's memory
  const std::string file = a.str("file");
  if (!index.save(file.c_str(), false, &error)) throw std::runtime_error(std::string("save: ") + (error ? error : "?"));
  double t3 = bench::now();
  bench::printBuild(t2 - t0, t1 - t0, t3 - t2, file);
  bench::printBuildCpu(c2 - c0);

  std::vector<long> grid = a.list("grid");
  std::vector<int32_t> out(nq * k);
  std::vector<double> ms;
  std::vector<int32_t> result;
  result.reserve(k);
  for (size_t g = 0; g < grid.size(); g++) {
    const int searchK = grid[g];
    double best = bench::timePasses(passes, nq, k, out, ms, [&](size_t q, int32_t* o) {
      result.clear();
      index.get_nns_by_vector(queries.data() + q * d, k, searchK, &result, nullptr);
      for (size_t i = 0; i < result.size() && i < k; i++) o[i] = result[i];
    });
    bench::writeIds(a.str("out") + "/ids-" + std::to_string(g) + ".i32", out);
    bench::printPoint(g, "searchK", searchK, best, ms, nq);
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    bench::Args a(argc, argv);
    const std::string metric = a.str("metric");
    if (metric == "angular") return run<Angular>(a);
    if (metric == "euclidean") return run<Euclidean>(a);
    if (metric == "manhattan") return run<Manhattan>(a);
    throw std::runtime_error("annoy-cpp: no metric " + metric);
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
