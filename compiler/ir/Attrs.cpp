#include "ir/Attrs.h"

namespace nnc::ir {

int64_t Attrs::getInt(const std::string &k, int64_t dflt) const {
  auto it = map_.find(k);
  if (it == map_.end()) return dflt;
  if (auto *v = std::get_if<int64_t>(&it->second)) return *v;
  return dflt;
}

double Attrs::getFloat(const std::string &k, double dflt) const {
  auto it = map_.find(k);
  if (it == map_.end()) return dflt;
  if (auto *v = std::get_if<double>(&it->second)) return *v;
  if (auto *v = std::get_if<int64_t>(&it->second)) return static_cast<double>(*v);
  return dflt;
}

std::string Attrs::getString(const std::string &k, const std::string &dflt) const {
  auto it = map_.find(k);
  if (it == map_.end()) return dflt;
  if (auto *v = std::get_if<std::string>(&it->second)) return *v;
  return dflt;
}

std::vector<int64_t> Attrs::getInts(const std::string &k) const {
  auto it = map_.find(k);
  if (it == map_.end()) return {};
  if (auto *v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  if (auto *v = std::get_if<int64_t>(&it->second)) return {*v};
  return {};
}

std::vector<double> Attrs::getFloats(const std::string &k) const {
  auto it = map_.find(k);
  if (it == map_.end()) return {};
  if (auto *v = std::get_if<std::vector<double>>(&it->second)) return *v;
  if (auto *v = std::get_if<double>(&it->second)) return {*v};
  if (auto *v = std::get_if<std::vector<int64_t>>(&it->second)) return {v->begin(), v->end()};
  if (auto *v = std::get_if<int64_t>(&it->second)) return {static_cast<double>(*v)};
  return {};
}

} // namespace nnc::ir
