#include "frontend/Loader.h"

#include "frontend/Parser.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace nnc {

std::vector<std::string> Symbols::allNames() const {
  std::vector<std::string> names;
  for (auto &[n, _] : fns) names.push_back(n);
  for (auto &[n, _] : optimizers) names.push_back(n);
  for (auto &[n, _] : datas) names.push_back(n);
  return names;
}

std::string stdlibDir() {
  if (const char *env = std::getenv("NNC_STDLIB"); env && *env) return env;
#ifdef NNC_STDLIB_DIR
  if (fs::exists(fs::path(NNC_STDLIB_DIR) / "std.nn")) return NNC_STDLIB_DIR;
#endif
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) return (exe.parent_path() / ".." / "share" / "nnc" / "stdlib").lexically_normal().string();
  return "stdlib";
}

namespace {

class Loader {
public:
  Loader(SourceManager &sm, DiagnosticEngine &diags, LoadedProgram &prog) : sm_(sm), diags_(diags), prog_(prog) {}

  void loadRoot(const std::string &path) {
    FileId id = sm_.load(path);
    if (id < 0) {
      diags_.error({}, "cannot open `" + path + "`: " + std::strerror(errno));
      return;
    }
    prog_.root = id;
    visit(id, canonical(path));
  }

private:
  static std::string canonical(const std::string &p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(fs::path(p), ec);
    return ec ? p : c.string();
  }

  // Parses one file, then its imports depth first; `stack_` holds the chain
  // of files being loaded, so an import of one of them is a cycle.
  void visit(FileId id, const std::string &canon) {
    loaded_.insert(canon);
    stack_.push_back(canon);
    auto mod = parseModule(sm_, id, diags_);
    ast::Module *m = mod.get();
    prog_.modules.push_back(std::move(mod));
    for (const ast::ImportDecl &imp : m->imports) importOne(imp, sm_.path(id));
    // Imports first: a clash between a user's name and the library's is then
    // reported at the user's definition.
    declare(*m, id == prog_.root);
    stack_.pop_back();
  }

  void importOne(const ast::ImportDecl &imp, const std::string &fromPath) {
    std::string found = resolve(imp, fromPath);
    if (found.empty()) {
      diags_.error(imp.range, "cannot find module `" + imp.path + "`");
      diags_.note(imp.range, "looked next to `" + fromPath + "` and in the standard library `" + stdlibDir() + "`");
      return;
    }
    std::string canon = canonical(found);
    for (size_t i = 0; i < stack_.size(); ++i) {
      if (stack_[i] != canon) continue;
      std::string chain;
      for (size_t j = i; j < stack_.size(); ++j) chain += fs::path(stack_[j]).filename().string() + " -> ";
      diags_.error(imp.range, "import cycle: " + chain + fs::path(canon).filename().string());
      return;
    }
    if (loaded_.count(canon)) return;
    FileId id = sm_.load(found);
    if (id < 0) {
      diags_.error(imp.range, "cannot read `" + found + "`: " + std::strerror(errno));
      return;
    }
    visit(id, canon);
  }

  static std::string resolve(const ast::ImportDecl &imp, const std::string &fromPath) {
    fs::path dir = fs::path(fromPath).parent_path();
    std::vector<fs::path> candidates;
    if (imp.isString) {
      candidates.push_back(dir / imp.path);
    } else {
      std::string rel = imp.path;
      for (char &c : rel)
        if (c == '.') c = '/';
      rel += ".nn";
      candidates.push_back(dir / rel);
      candidates.push_back(fs::path(stdlibDir()) / rel);
    }
    for (const fs::path &c : candidates) {
      std::error_code ec;
      if (fs::is_regular_file(c, ec)) return c.string();
    }
    return {};
  }

  template <class Decl>
  void define(std::map<std::string, const Decl *> &table, const Decl &d, const char *kind) {
    const std::string &name = d.name.name;
    if (name.empty()) return;
    auto prev = firstDef_.find(name);
    if (prev != firstDef_.end()) {
      diags_.error(d.name.range, "redefinition of `" + name + "`");
      diags_.note(prev->second, "`" + name + "` was first defined here");
      return;
    }
    firstDef_[name] = d.name.range;
    table[name] = &d;
    (void)kind;
  }

  void declare(const ast::Module &m, bool isRoot) {
    for (const ast::FnDecl &f : m.fns) define(prog_.symbols.fns, f, "fn");
    for (const ast::OptimizerDecl &o : m.optimizers) define(prog_.symbols.optimizers, o, "optimizer");
    for (const ast::DataDecl &d : m.datas) define(prog_.symbols.datas, d, "data");
    if (isRoot)
      for (const ast::TrainDecl &t : m.trains) prog_.symbols.trains.push_back(&t);
  }

  SourceManager &sm_;
  DiagnosticEngine &diags_;
  LoadedProgram &prog_;
  std::set<std::string> loaded_;
  std::vector<std::string> stack_;
  std::map<std::string, SourceRange> firstDef_;
};

} // namespace

LoadedProgram loadProgram(const std::string &path, SourceManager &sm, DiagnosticEngine &diags) {
  LoadedProgram prog;
  Loader(sm, diags, prog).loadRoot(path);
  return prog;
}

} // namespace nnc
