// The part of the native anchors (annoy-cpp.cc, hnswlib-cpp.cc) that is not the library: arguments, the benchmark's
// cached vectors (raw little-endian float32, row-major: the train.f32 / queries.f32 that bench/datasets.mjs and
// bench/derived.mjs write), the clock, peak RSS, and the result lines that bench/peers/native.mjs reads.
//
// The measurement mirrors bench/child.mjs for the JS adapters: build (adding the items included) timed once; the
// index saved to a file (its size); then for each grid point `passes` timed passes over the same first `nq` queries,
// the best pass giving queries/s and the last pass's ids (k per query, -1 where fewer came back) written to
// <out>/ids-<point>.i32 so that child.mjs computes recall with the same code as for every other library.
#pragma once
#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct Args {
  std::map<std::string, std::string> kv;
  Args(int argc, char** argv) {
    for (int i = 1; i < argc; i++) {
      const char* eq = strchr(argv[i], '=');
      if (!eq) throw std::runtime_error(std::string("argument without '=': ") + argv[i]);
      kv[std::string(argv[i], eq - argv[i])] = eq + 1;
    }
  }
  std::string str(const char* key) const {
    auto it = kv.find(key);
    if (it == kv.end()) throw std::runtime_error(std::string("missing argument ") + key);
    return it->second;
  }
  long num(const char* key) const { return std::stol(str(key)); }
  std::vector<long> list(const char* key) const {
    std::vector<long> out;
    std::string s = str(key);
    size_t i = 0;
    while (i < s.size()) {
      size_t j = s.find(',', i);
      if (j == std::string::npos) j = s.size();
      out.push_back(std::stol(s.substr(i, j - i)));
      i = j + 1;
    }
    return out;
  }
};

/** The first `rows` rows of a float32 file of `d` columns (the file may hold more rows; fewer is an error). */
inline std::vector<float> readRows(const std::string& file, size_t rows, size_t d) {
  FILE* f = fopen(file.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + file);
  std::vector<float> out(rows * d);
  size_t got = fread(out.data(), sizeof(float), out.size(), f);
  fclose(f);
  if (got != out.size()) throw std::runtime_error(file + ": fewer than the expected rows");
  return out;
}

inline double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/** This process's CPU time (user + system), s: on a loaded machine the wall clock also counts waiting for a core. */
inline double cpuNow() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/** The build's CPU time, a result line of its own (bench/child.mjs reports it beside the wall-clock build time). */
inline void printBuildCpu(double seconds) { printf("{\"buildCpuSeconds\":%.4f}\n", seconds); }

/** Peak RSS of this process (VmHWM), MiB: the figure bench/child.mjs reports for the JS adapters. */
inline double peakRssMiB() {
  FILE* f = fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  double kb = -1;
  while (fgets(line, sizeof line, f)) if (sscanf(line, "VmHWM: %lf kB", &kb) == 1) break;
  fclose(f);
  return kb / 1024;
}

inline long fileBytes(const std::string& file) {
  FILE* f = fopen(file.c_str(), "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

inline void writeIds(const std::string& file, const std::vector<int32_t>& ids) {
  FILE* f = fopen(file.c_str(), "wb");
  if (!f || fwrite(ids.data(), sizeof(int32_t), ids.size(), f) != ids.size()) throw std::runtime_error("cannot write " + file);
  fclose(f);
}

/** Times `passes` passes of search(q, out + q * k) over nq queries; returns the best pass in ms, all passes in `ms`. */
template <class Search>
double timePasses(int passes, size_t nq, size_t k, std::vector<int32_t>& out, std::vector<double>& ms, Search search) {
  double best = 1e300;
  ms.clear();
  for (int p = 0; p < passes; p++) {
    std::fill(out.begin(), out.end(), -1);
    double t0 = now();
    for (size_t q = 0; q < nq; q++) search(q, out.data() + q * k);
    double t = (now() - t0) * 1000;
    ms.push_back(t);
    if (t < best) best = t;
  }
  return best;
}

// Result lines on stdout, one JSON object each: the build's once, then {"point": ...} per grid point.
inline void printBuild(double buildSeconds, double addSeconds, double saveSeconds, const std::string& file) {
  printf("{\"buildSeconds\":%.4f,\"addSeconds\":%.4f,\"saveSeconds\":%.4f,\"fileBytes\":%ld,\"afterBuildRssMiB\":%.1f}\n",
         buildSeconds, addSeconds, saveSeconds, fileBytes(file), peakRssMiB());
  fflush(stdout);
}

inline void printPoint(size_t i, const char* param, long value, double bestMs, const std::vector<double>& ms, size_t nq) {
  printf("{\"point\":%zu,\"params\":{\"%s\":%ld},\"qps\":%.3f,\"passMs\":[", i, param, value, nq / (bestMs / 1000));
  for (size_t p = 0; p < ms.size(); p++) printf("%s%.1f", p ? "," : "", ms[p]);
  printf("],\"peakRssMiB\":%.1f}\n", peakRssMiB());
  fflush(stdout);
}

}  // namespace bench
