// hnswlib's own C++ (headers fetched from Debian's libhnswlib-dev at bench time by bench/peers/native.mjs, never kept
// in this repository), called directly: the HNSW anchor. One thread, -O3 -march=native (AVX-512 kernels where the CPU
// has them). Angular is hnswlib's cosine recipe: rows and queries normalized, inner-product space (1 - dot).
//
//   hnswlib-cpp train=<f32 file> queries=<f32 file> n=<rows> d=<dims> metric=angular|euclidean nq=<queries> k=10
//               passes=3 M=16 efConstruction=200 grid=10,20,... file=<index path> out=<dir for ids-<i>.i32> [load=1]
//
// load=1 reads the index saved at `file` by an earlier run instead of building it (bench/lab/graph-vs-hnswlib-cpp.mjs:
// one build, then a process per ef point interleaved with ours).
//
// Measured as bench/child.mjs measures the JS adapters (see harness.h): build = (normalize +) addPoint for every row,
// in order; saveIndex (file size); per ef, best of `passes` passes of searchKnn over the same queries (the query's
// normalization inside the timed loop, as hnswlib-node does it per call).
#include <cmath>
#include "hnswlib/hnswlib.h"
#include "harness.h"

static void normalize(float* v, size_t d) {
  double s = 0;
  for (size_t j = 0; j < d; j++) s += double(v[j]) * v[j];
  if (s > 0) {
    float inv = float(1 / std::sqrt(s));
    for (size_t j = 0; j < d; j++) v[j] *= inv;
  }
}

int main(int argc, char** argv) {
  try {
    bench::Args a(argc, argv);
    const size_t n = a.num("n"), d = a.num("d"), nq = a.num("nq"), k = a.num("k");
    const int passes = a.num("passes");
    const std::string metric = a.str("metric");
    const bool angular = metric == "angular";
    if (!angular && metric != "euclidean") throw std::runtime_error("hnswlib-cpp: no metric " + metric);
    std::vector<float> train = bench::readRows(a.str("train"), n, d);
    std::vector<float> queries = bench::readRows(a.str("queries"), nq, d);
    printf("{\"baselineRssMiB\":%.1f}\n", bench::peakRssMiB());

    hnswlib::L2Space l2(d);
    hnswlib::InnerProductSpace ip(d);
    hnswlib::SpaceInterface<float>* space = angular ? static_cast<hnswlib::SpaceInterface<float>*>(&ip) : &l2;
    const std::string file = a.str("file");
    const bool loadSaved = a.kv.count("load") && a.str("load") == "1";
    double t0 = bench::now();
    hnswlib::HierarchicalNSW<float> index(space, loadSaved ? 1 : n, a.num("M"), a.num("efConstruction"), 100);
    if (loadSaved) {
      index.loadIndex(file, space, n);
      std::vector<float>().swap(train);
    } else {
      std::vector<float> row(d);
      for (size_t i = 0; i < n; i++) {
        const float* v = train.data() + i * d;
        if (angular) { std::copy(v, v + d, row.begin()); normalize(row.data(), d); v = row.data(); }
        index.addPoint(v, i);
      }
      double t1 = bench::now();
      std::vector<float>().swap(train);
      index.saveIndex(file);
      double t2 = bench::now();
      bench::printBuild(t1 - t0, t1 - t0, t2 - t1, file);
    }

    std::vector<long> grid = a.list("grid");
    std::vector<int32_t> out(nq * k);
    std::vector<double> ms;
    std::vector<float> q1(d);
    for (size_t g = 0; g < grid.size(); g++) {
      index.setEf(grid[g]);
      double best = bench::timePasses(passes, nq, k, out, ms, [&](size_t q, int32_t* o) {
        const float* v = queries.data() + q * d;
        if (angular) { std::copy(v, v + d, q1.begin()); normalize(q1.data(), d); v = q1.data(); }
        auto top = index.searchKnn(v, k);  // a max-heap: the farthest first
        for (size_t i = top.size(); i-- > 0; top.pop()) if (i < k) o[i] = int32_t(top.top().second);
      });
      bench::writeIds(a.str("out") + "/ids-" + std::to_string(g) + ".i32", out);
      bench::printPoint(g, "ef", grid[g], best, ms, nq);
    }
    return 0;
  } catch (const std::exception& e) {
    fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
