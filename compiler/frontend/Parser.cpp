#include "frontend/Parser.h"

#include "frontend/DeclChunks.h"
#include "frontend/ParseInput.h"
#include "frontend/ParseTreeBuilder.h"
#include "frontend/SyntaxErrors.h"
#include "frontend/TokenChecks.h"

#include "NNLexer.h"
#include "NNParser.h"

namespace nnc {

namespace {

// Everything a chunk's parse needs from the file's.
struct FileParse {
  const ParseInput &input;
  antlr4::Lexer &lexer;
  SyntaxErrorListener &listener;
  ParseDiags &diags;
  ast::Module &module;
};

// Checks, parses and builds the AST of one chunk of declarations; a chunk
// nested too deeply is reported and skipped.
void parseChunk(TokenList chunk, FileParse &fp) {
  ChunkTokenSource source(fp.lexer, std::move(chunk));
  antlr4::CommonTokenStream tokens(&source);
  tokens.fill();
  fp.diags.setPass(ParseDiags::Tokens);
  checkLexicalErrors(tokens.getTokens(), fp.input, fp.diags);
  if (!checkNesting(tokens.getTokens(), fp.input, fp.diags)) return;

  grammar::NNParser parser(&tokens);
  parser.removeErrorListeners();
  parser.addErrorListener(&fp.listener);
  parser.setErrorHandler(std::make_shared<SyntaxErrorStrategy>(fp.input, fp.diags));
  fp.diags.setPass(ParseDiags::Grammar);
  grammar::NNParser::FileContext *tree = parser.file();

  fp.diags.setPass(ParseDiags::Ast);
  buildDecls(tree, fp.input, fp.diags, fp.module);
}

// The stages, in order: decode, lex, cut into chunks, then per chunk check
// the tokens, parse and build the AST.
std::unique_ptr<ast::Module> parse(std::string_view text, FileId file, ParseDiags &diags) {
  ParseInput input(file, text);
  std::unique_ptr<antlr4::CharStream> chars = input.takeStream();
  SyntaxErrorListener listener(input, file, diags);
  grammar::NNLexer lexer(chars.get());
  lexer.removeErrorListeners();
  lexer.addErrorListener(&listener);

  auto module = std::make_unique<ast::Module>();
  module->file = file;
  FileParse fp{input, lexer, listener, diags, *module};
  DeclChunker chunker(lexer);
  for (TokenList chunk = chunker.next(); !chunk.empty(); chunk = chunker.next()) {
    // Past the error cap the rest of the file would only cost time.
    if (diags.full(ParseDiags::Grammar)) break;
    parseChunk(std::move(chunk), fp);
  }
  return module;
}

} // namespace

std::unique_ptr<ast::Module> parseModule(const SourceManager &sm, FileId file, DiagnosticEngine &diags) {
  ParseDiags pending;
  std::unique_ptr<ast::Module> m;
  try {
    m = parse(sm.contents(file), file, pending);
  } catch (const std::exception &e) {
    // The ANTLR runtime throws on conditions we believe we rule out (invalid
    // UTF-8, for one); should one slip through, it is our bug, not the user's.
    SourceLoc start{file, 1, 1};
    pending.error({start, start}, std::string("internal error in the parser: ") + e.what());
  }
  pending.flushTo(diags);
  if (!m) {
    m = std::make_unique<ast::Module>();
    m->file = file;
  }
  return m;
}

} // namespace nnc
