// Op attributes: a small map from name to value, so the printer, the parser
// and the verifier handle every op the same way. Ops.def documents which
// attributes each op takes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace nnc::ir {

// An attribute is an integer, a float, a string, or a list of integers or floats.
using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

class Attrs {
public:
  Attrs() = default;
  Attrs(std::initializer_list<std::pair<const std::string, AttrValue>> init) : map_(init) {}

  bool has(const std::string &k) const { return map_.count(k) != 0; }
  void set(const std::string &k, AttrValue v) { map_[k] = std::move(v); }

  // Accessors return `dflt` when the attribute is absent or of another kind.
  int64_t getInt(const std::string &k, int64_t dflt = 0) const;
  double getFloat(const std::string &k, double dflt = 0) const;
  std::string getString(const std::string &k, const std::string &dflt = "") const;
  std::vector<int64_t> getInts(const std::string &k) const;
  std::vector<double> getFloats(const std::string &k) const;

  const std::map<std::string, AttrValue> &entries() const { return map_; }
  bool operator==(const Attrs &o) const { return map_ == o.map_; }

private:
  std::map<std::string, AttrValue> map_;
};

} // namespace nnc::ir
